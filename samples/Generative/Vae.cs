using StaticNet;

namespace Generative;

/// <summary>
/// The variational autoencoder of PyTorch's examples/vae: 784 → 400 (ReLU) → [20 means | 20 log-variances] →
/// <c>[Reparameterize]</c> → 20 → 400 (ReLU) → 784 logits. Trained with binary cross-entropy on the logits against the
/// input itself; the Reparameterize layer adds the KL divergence, so that the loss × 784 is the negative ELBO per image.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(784)]
[Dense(400, Activation.ReLU, Name = "fc1")]
[Dense(40, Name = "fc2")]            // [mean | logvar]: the first 20 values are the means, the last 20 the log-variances
[Reparameterize(Name = "z")]
[Dense(400, Activation.ReLU, Name = "fc3")]
[Dense(784, Name = "fc4")]
public partial class Vae { }

/// <summary>The VAE's decoder alone (the same names, so it loads the trained VAE's fc3 and fc4): 20 latent values → 784 logits.</summary>
[Input(20)]
[Dense(400, Activation.ReLU, Name = "fc3")]
[Dense(784, Name = "fc4")]
public partial class VaeDecoder { }
