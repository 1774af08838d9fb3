"""Writes a NIR graph exported by Sinabs, and Sinabs's own simulation of it, for the Interop tests.

A small conv net built in Sinabs (Conv2d → IAF → SumPool2d → Conv2d → IAF → Flatten → Linear → IAF) is
exported with `sinabs.to_nir` and written with `nir.write` to
Tests/SpikeKitTests/Interop/Fixtures/sinabs-conv-iaf-sumpool.nir; the same Sinabs network simulates
seeded random inputs (the image as a constant input current at every step), and the inputs and every
IAF layer's spikes go to sinabs-conv-iaf-sumpool.json. `NIRNorseTests.matchesSinabsSpikeForSpike`
imports the graph with `model.nirReset: "subtract"` and expects the same spikes at every step.

Sinabs's IAF layers here use `SingleSpike` (at most one spike per step, as every SpikeKit neuron) and
`MembraneSubtract` (its default reset, by subtraction of the threshold). Sinabs's default `MultiSpike`
emits ⌊v/θ⌋ spikes in one step, which a binary spike cannot carry. NIR's IF node says "reset to
v_reset", so the exported file does not record the subtraction: the import has to be told.

Run from the repository root with a virtualenv that has sinabs (never needed by the tests):

    python3 -m venv /tmp/venv-sinabs && /tmp/venv-sinabs/bin/pip install sinabs
    /tmp/venv-sinabs/bin/pip install "nir==1.0.8" "nirtorch==2.6"
    /tmp/venv-sinabs/bin/python Scripts/sinabs_fixture.py

(Sinabs 3.1.3 declares nir<=1.0.4, so pip warns at the second install; it exports correctly with nir
1.0.8 once `infer_types()` has filled in the shapes that nir 1.0.8 refuses to write as None.)
"""
import collections
import json
import pathlib

import nir
import numpy as np
import sinabs
import sinabs.layers as sl
import torch
from sinabs.activation import MembraneSubtract, SingleSpike

SAMPLES, STEPS = 6, 12
fixtures = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "SpikeKitTests" / "Interop" / "Fixtures"

torch.manual_seed(21)


def iaf():
    return sl.IAFSqueeze(batch_size=SAMPLES, spike_fn=SingleSpike, reset_fn=MembraneSubtract(), min_v_mem=None)


net = torch.nn.Sequential(collections.OrderedDict([
    ("conv1", torch.nn.Conv2d(1, 4, 3, padding=1)), ("iaf1", iaf()), ("pool1", sl.SumPool2d(2)),
    ("conv2", torch.nn.Conv2d(4, 6, 3)), ("iaf2", iaf()), ("flat", torch.nn.Flatten()),
    ("fc", torch.nn.Linear(24, 5)), ("iaf3", iaf()),
]))
with torch.no_grad():
    net.conv1.weight.mul_(3)
    net.conv2.weight.mul_(2)
    net.fc.weight.mul_(2)

inputs = torch.rand(SAMPLES, 1, 8, 8)
graph = sinabs.to_nir(net, inputs)
graph.infer_types()
nir.write(fixtures / "sinabs-conv-iaf-sumpool.nir", graph)

# Sinabs's own simulation: (samples × steps) frames in, layer by layer, every step of a sample at once.
recorded = {}
for name in ("iaf1", "iaf2", "iaf3"):
    getattr(net, name).register_forward_hook(lambda m, i, o, name=name: recorded.__setitem__(name, o.detach()))
for module in net.modules():
    if isinstance(module, sl.IAFSqueeze):
        module.reset_states()
frames = inputs.unsqueeze(1).expand(SAMPLES, STEPS, 1, 8, 8).reshape(SAMPLES * STEPS, 1, 8, 8)
with torch.no_grad():
    net(frames)
spikes = {name: s.reshape(SAMPLES, STEPS, -1).int().tolist() for name, s in recorded.items()}
assert all(max(max(max(step) for step in sample) for sample in s) <= 1 for s in spikes.values())
out = {"source": "sinabs " + sinabs.__version__, "timeSteps": STEPS,
       "inputs": inputs.reshape(SAMPLES, -1).tolist(), "spikes": spikes}
(fixtures / "sinabs-conv-iaf-sumpool.json").write_text(json.dumps(out))
print("spikes per layer:", {name: int(s.sum()) for name, s in recorded.items()})
