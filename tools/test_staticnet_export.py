"""Tests of tools/staticnet_export.py (run by tests/StaticNet.Tests/PyTorchExport/PyTorchExportTests.cs, or from tools/:
python3 -m unittest -v test_staticnet_export). The walkthrough test compiles and runs what it writes."""
import os
import tempfile
import unittest
from collections import OrderedDict

import torch
import torch.nn as nn

import staticnet_export as se


class Wrapped(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        return self.head(self.layers(x))


class Skip(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 2)

    def forward(self, x):
        return self.b(self.a(x) + x)


class Custom(nn.Module):
    def forward(self, x):
        return x * 2


class ExportTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def export(self, model, shape, **kw):
        return se.export(model, shape, "Net", self.dir.name, **kw)

    def error(self, model, shape, *fragments):
        with self.assertRaises(se.ExportError) as caught:
            self.export(model, shape)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        return str(caught.exception)

    def test_names_are_the_state_dict_prefixes_and_the_file_is_the_state_dict(self):
        model = nn.Sequential(OrderedDict([("features", nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.BatchNorm2d(2))),
                                           ("flat", nn.Flatten()), ("fc", nn.Linear(2 * 4 * 4, 3))]))
        r = self.export(model, (1, 6, 6), loss="cross_entropy", namespace="App.Models")
        self.assertEqual(r.layers, ['[Conv2D(2, 3, Activation.ReLU, Name = "features.0")]', '[BatchNorm(Name = "features.2")]',
                                    '[Flatten(Name = "flat")]', '[Dense(3, Name = "fc")]'])
        self.assertIn("[Network(Loss = Loss.SoftmaxCrossEntropy)]", r.declaration)
        self.assertIn("namespace App.Models", r.declaration)
        written = se.read_safetensors(r.weights_path)
        state = model.state_dict()
        self.assertEqual(list(written), list(state))
        self.assertEqual(written["features.2.num_batches_tracked"].dtype, torch.int64)
        self.assertEqual(written["features.2.num_batches_tracked"].shape, torch.Size([]))
        for k in state:
            self.assertTrue(torch.equal(written[k], state[k]), k)
        fresh = nn.Sequential(OrderedDict([("features", nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.BatchNorm2d(2))),
                                           ("flat", nn.Flatten()), ("fc", nn.Linear(2 * 4 * 4, 3))]))
        fresh.load_state_dict(written, strict=True)
        reference = se.read_safetensors(r.reference_path)
        self.assertEqual(list(reference["input"].shape), [8, 1, 6, 6])
        self.assertEqual(list(reference["output"].shape), [8, 3])
        self.assertTrue(model.training, "export leaves the module in its mode")

    def test_a_module_whose_forward_runs_its_children_in_order(self):
        r = self.export(Wrapped(), (4,))
        self.assertEqual(r.layers, ['[Dense(3, Activation.Tanh, Name = "layers.0")]', '[Dense(2, Name = "head")]'])
        self.error(Skip(), (4,), "does not just run its children in order")

    def test_blocks_of_the_users_types_are_looked_into_and_checked(self):
        class Block(nn.Module):
            def __init__(self, scale=False):
                super().__init__()
                self.conv = nn.Conv2d(2, 2, 3, padding=1)
                self.act = nn.ReLU()
                self.scale = scale

            def forward(self, x):
                y = self.act(self.conv(x))
                return y * 2 if self.scale else y

        r = self.export(nn.Sequential(Block(), Block(), nn.Flatten(), nn.Linear(2 * 4 * 4, 2)), (2, 4, 4))
        self.assertEqual(r.layers, ['[Conv2D(2, 3, Activation.ReLU, Padding = 1, Name = "0.conv")]',
                                    '[Conv2D(2, 3, Activation.ReLU, Padding = 1, Name = "1.conv")]',
                                    '[Flatten(Name = "2")]', '[Dense(2, Name = "3")]'])
        self.error(nn.Sequential(Block(), Block(scale=True)), (2, 4, 4), "does not just run its children in order")

    def test_a_double_model_is_written_as_float32(self):
        r = self.export(nn.Sequential(nn.Linear(3, 2), nn.Tanh()).double(), (3,))
        written = se.read_safetensors(r.weights_path)
        self.assertEqual(written["0.weight"].dtype, torch.float32)
        self.assertEqual(se.read_safetensors(r.reference_path)["output"].dtype, torch.float32)

    def test_options(self):
        r = self.export(nn.Sequential(nn.Conv1d(2, 3, 5, stride=2, padding=2, dilation=1, bias=False), nn.LeakyReLU(0.01),
                                      nn.MaxPool1d(3, stride=2), nn.BatchNorm1d(3, eps=1e-3, momentum=0.01),
                                      nn.Flatten(), nn.Dropout(0.5), nn.Linear(3 * 4, 2), nn.Softmax(dim=1)), (2, 20))
        self.assertEqual(r.layers, ['[Conv1D(3, 5, Activation.LeakyReLU, Stride = 2, Padding = 2, Bias = false, Name = "0")]',
                                    '[MaxPool1D(3, Stride = 2, Name = "2")]',
                                    '[BatchNorm(Momentum = 0.01f, Epsilon = 0.001f, Name = "3")]',
                                    '[Flatten(Name = "4")]', '[Dropout(0.5f, Name = "5")]',
                                    '[Dense(2, Activation.Softmax, Name = "6")]'])

    def test_activations_fuse_when_the_enum_is_exact_else_are_stand_alone_layers(self):
        r = self.export(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.GELU(),
                                      nn.Flatten(), nn.Sigmoid(), nn.Linear(8, 3), nn.SiLU(), nn.Linear(3, 3), nn.ELU(),
                                      nn.Linear(3, 3), nn.ELU(0.5), nn.LeakyReLU(0.2), nn.Dropout(0.1), nn.Tanh(),
                                      nn.Linear(3, 3), nn.LeakyReLU(), nn.LeakyReLU(), nn.Softmax(dim=-1)), (1, 6, 6))
        self.assertEqual(r.layers, ['[Conv2D(2, 3, Name = "0")]', '[BatchNorm(Name = "1")]', '[ReLU(Name = "2")]',
                                    '[MaxPool2D(2, Name = "3")]', '[GELU(Name = "4")]', '[Flatten(Name = "5")]',
                                    '[Sigmoid(Name = "6")]', '[Dense(3, Activation.SiLU, Name = "7")]',
                                    '[Dense(3, Activation.ELU, Name = "9")]', '[Dense(3, Name = "11")]',
                                    '[ELU(0.5f, Name = "12")]', '[LeakyReLU(0.2f, Name = "13")]', '[Dropout(0.1f, Name = "14")]',
                                    '[Tanh(Name = "15")]', '[Dense(3, Activation.LeakyReLU, Name = "16")]',
                                    '[LeakyReLU(Name = "18")]', '[Softmax(Name = "19")]'])
        # The brief's models: Conv2d -> BatchNorm2d -> ReLU, and Linear -> BatchNorm1d -> SiLU -> Linear -> ELU(0.5) -> LeakyReLU(0.2).
        r = self.export(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU()), (1, 5, 5))
        self.assertEqual(r.layers, ['[Conv2D(4, 3, Padding = 1, Name = "0")]', '[BatchNorm(Name = "1")]', '[ReLU(Name = "2")]'])
        r = self.export(nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.SiLU(), nn.Linear(8, 4), nn.ELU(alpha=0.5),
                                      nn.LeakyReLU(0.2)), (6,))
        self.assertEqual(r.layers, ['[Dense(8, Name = "0")]', '[BatchNorm(Name = "1")]', '[SiLU(Name = "2")]',
                                    '[Dense(4, Name = "3")]', '[ELU(0.5f, Name = "4")]', '[LeakyReLU(0.2f, Name = "5")]'])
        # First in the model; after a recurrent layer; a Softmax over each step of a sequence (the fused one is over
        # the whole sample, so it is stand-alone there).
        r = self.export(nn.Sequential(nn.Tanh(), nn.GRU(3, 4, batch_first=True), se.RecurrentOutput(True), nn.ReLU(),
                                      nn.Linear(4, 2), nn.Softmax(dim=2)), (5, 3))
        self.assertEqual(r.layers, ['[Tanh(Name = "0")]', '[GRU(4, ReturnSequences = true, Name = "1")]',
                                    '[ReLU(Name = "3")]', '[Dense(2, Name = "4")]', '[Softmax(Name = "5")]'])

    def test_unsupported_modules_are_named_with_their_type_and_what_is_supported(self):
        self.error(nn.Sequential(nn.Linear(4, 4), Custom()), (4,), "module '1'", f"{Custom.__module__}.Custom",
                   "not a module StaticNet has", "Supported: nn.Sequential")
        self.error(nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4)), (4,), "module '1' (nn.LayerNorm)")
        self.error(nn.Sequential(nn.Linear(4, 4), nn.LeakyReLU(-0.2)), (4,), "module '1' (nn.LeakyReLU)", "slope >= 0")
        self.error(nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ELU(alpha=0.0)), (4,), "module '2' (nn.ELU)", "alpha > 0")
        self.error(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Softmax(dim=1)), (1, 5, 5), "module '1' (nn.Softmax)", "spatial")
        self.error(nn.Sequential(nn.Conv1d(1, 2, 3), nn.BatchNorm1d(2), nn.Softmax(dim=-1)), (1, 6), "module '2' (nn.Softmax)", "spatial")
        self.error(nn.Sequential(nn.Linear(4, 4), nn.Softmax(dim=0)), (4,), "module '1' (nn.Softmax)", "dim=0")
        self.error(nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.1), nn.GELU(approximate="tanh")), (4,),
                   "module '2' (nn.GELU)", "approximate='tanh'", "exact")
        self.error(nn.Sequential(nn.Conv2d(1, 2, 3, groups=1, padding_mode="reflect")), (1, 5, 5), "padding_mode")
        self.error(nn.Sequential(nn.Conv2d(1, 2, 3, stride=(1, 2))), (1, 5, 5), "stride (1, 2)")
        self.error(nn.Sequential(nn.Linear(4, 4, bias=False)), (4,), "bias=False")
        self.error(nn.Sequential(nn.GRU(3, 4, batch_first=True, bidirectional=True)), (5, 3), "module '0' (nn.GRU)", "RecurrentOutput")
        self.error(nn.Sequential(nn.GRU(3, 4)), (5, 3), "batch_first=False")
        self.error(nn.Sequential(nn.Conv2d(2, 2, 1), nn.AdaptiveAvgPool2d(1)), (2, 4, 4), "module '1' (nn.AdaptiveAvgPool2d)", "Flatten")
        self.error(nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)), (1, 5, 5), "ceil_mode")
        self.error(nn.Sequential(nn.Linear(4, 4), nn.GELU(approximate="tanh")), (4,), "approximate")

    def test_recurrent_and_tokens(self):
        r = self.export(nn.Sequential(nn.Embedding(10, 4), nn.LSTM(4, 5, batch_first=True), se.RecurrentOutput(True),
                                      nn.RNN(5, 3, batch_first=True), se.RecurrentOutput(), nn.Linear(3, 2)), (6,))
        self.assertEqual(r.layers, ['[Embedding(10, 4, Name = "0")]', '[LSTM(5, ReturnSequences = true, Name = "1")]',
                                    '[SimpleRNN(3, Name = "3")]', '[Dense(2, Name = "5")]'])
        self.assertTrue(r.tokens)
        with open(r.check_path) as f:
            self.assertIn("ReadOnlySpan<int>", f.read())

    def test_stacked_and_bidirectional_recurrent_layers(self):
        # num_layers, bidirectional and dropout become NumLayers, Bidirectional and Dropout; every layer's and direction's
        # tensors are in the file under PyTorch's names (weight_ih_l1, weight_ih_l0_reverse, ...).
        model = nn.Sequential(nn.LSTM(3, 5, num_layers=2, dropout=0.25, batch_first=True), se.RecurrentOutput(True),
                              nn.GRU(5, 4, bidirectional=True, batch_first=True), se.RecurrentOutput(True),
                              nn.RNN(8, 3, num_layers=3, bidirectional=True, nonlinearity="relu", batch_first=True), se.RecurrentOutput(),
                              nn.Linear(6, 2))
        r = self.export(model, (6, 3))
        self.assertEqual(r.layers, ['[LSTM(5, ReturnSequences = true, NumLayers = 2, Dropout = 0.25f, Name = "0")]',
                                    '[GRU(4, ReturnSequences = true, Bidirectional = true, Name = "2")]',
                                    '[SimpleRNN(3, Activation.ReLU, NumLayers = 3, Bidirectional = true, Name = "4")]',
                                    '[Dense(2, Name = "6")]'])
        tensors = se.read_safetensors(r.weights_path)
        self.assertEqual(set(tensors), set(model.state_dict()))
        self.assertEqual(list(tensors["4.weight_ih_l2_reverse"].shape), [3, 6])
        self.assertEqual(list(tensors["0.weight_hh_l1"].shape), [20, 5])

    def test_losses(self):
        model = nn.Sequential(nn.Linear(2, 1))
        for loss, name in [(None, "None"), ("mse", "MeanSquaredError"), (nn.BCEWithLogitsLoss(), "BinaryCrossEntropy"),
                           (nn.CrossEntropyLoss(), "SoftmaxCrossEntropy")]:
            self.assertIn(f"Loss = Loss.{name})", self.export(model, (2,), loss=loss).declaration)
        with self.assertRaises(se.ExportError):
            self.export(model, (2,), loss=nn.L1Loss())
        with self.assertRaises(se.ExportError):
            se.export(model, (2,), "not a name", self.dir.name)

    def test_command_line(self):
        path = os.path.join(self.dir.name, "model.pt")
        torch.save(nn.Sequential(nn.Linear(3, 2), nn.Sigmoid()), path)
        self.assertEqual(se.main([path, "--input-shape", "3", "--class-name", "Cli", "--out", self.dir.name]), 0)
        with open(os.path.join(self.dir.name, "Cli.cs")) as f:
            self.assertIn('[Dense(2, Activation.Sigmoid, Name = "0")]', f.read())


if __name__ == "__main__":
    unittest.main()
