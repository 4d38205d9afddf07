using StaticNet;

namespace GameAgent;

/// <summary>Q-values of CartPole's two actions from its four state variables: 4 → 64 ReLU → 64 ReLU → 2.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(4)]
[Dense(64, Activation.ReLU, Name = "fc1")]
[Dense(64, Activation.ReLU, Name = "fc2")]
[Dense(2, Name = "q")]
public partial class QNetwork { }
