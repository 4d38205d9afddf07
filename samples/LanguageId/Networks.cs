using StaticNet;

namespace LanguageId;

/// <summary>
/// A small transformer over a word's characters: token ids → Embedding(64, 32) + learned positions → two
/// post-norm encoder layers (4 heads, feed-forward 64, no dropout) → mean over the word's letters → one score per language.
/// Id 0 pads a word to 16 steps: <c>PaddingIndex = 0</c> hides the padding from attention and from the mean.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(Words.Length)]
[Embedding(Words.Vocabulary, 32, PaddingIndex = 0, Name = "embed")]
[PositionalEmbedding(MaxPositions = Words.Length, Name = "pos")]
[TransformerEncoderLayer(32, 4, 64, Dropout = 0f, Name = "encoder.layers.0")]
[TransformerEncoderLayer(32, 4, 64, Dropout = 0f, Name = "encoder.layers.1")]
[SequencePool(SequencePooling.Mean)]
[Dense(Words.Languages, Name = "head")]
public partial class WordTransformer { }

/// <summary>A GRU of similar size: token ids → Embedding(64, 32) → GRU(64), last state → one score per language.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(Words.Length)]
[Embedding(Words.Vocabulary, 32, Name = "embed")]
[GRU(64, Name = "gru")]
[Dense(Words.Languages, Name = "head")]
public partial class WordGru { }

/// <summary>
/// A tiny causal character model: after the start token and the letters so far, scores for the next letter (id 0 ends
/// the word). One causal encoder layer, no positions, so it streams with <c>Step</c> one letter at a time.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(Words.Length)]
[Embedding(Words.Vocabulary, 32, Name = "embed")]
[TransformerEncoderLayer(32, 4, 64, Dropout = 0f, Causal = true, Name = "block")]
[Dense(Words.Vocabulary, Name = "head")]
public partial class CharModel { }
