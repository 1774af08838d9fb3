#!/usr/bin/env python3
"""Runs SANA-FE on a network exported by `spikekit hardware --sanafe DIR` and compares its energy
and time per image with SpikeKit's own estimate of the same network, images and mapping.

    spikekit hardware --checkpoint RUN/snn-converted.safetensors --images 8 \
        --sanafe DIR --json > DIR/spikekit.json
    python3 Scripts/sanafe_compare.py DIR [--steps 32]

Needs `pip install sanafe` (2.x) in a virtualenv outside the repository. SANA-FE simulates the
network functionally itself (its Loihi-style LIF neurons, the direct-input current as each first-layer
neuron's bias), so its spikes are its own; the script prints both spike counts next to the energies.
It runs SANA-FE's 'detailed' timing model (its default) and its 'simple' one, and prints a JSON summary
after SANA-FE's own progress lines ("Executed steps: ..."; filter them with grep -v Executed).
"""
import argparse
import json
import os
import sys

import sanafe


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--images", type=int, default=None, help="at most this many exported images")
    args = parser.parse_args()
    d = args.directory
    arch = sanafe.load_arch(os.path.join(d, "arch.yaml"))
    net = sanafe.load_net(os.path.join(d, "network.yaml"), arch)
    with open(os.path.join(d, "inputs.json")) as f:
        inputs = json.load(f)
    group, biases = inputs["group"], inputs["bias"]
    if args.images:
        biases = biases[: args.images]
    chip = sanafe.SpikingChip(arch)
    chip.load(net)
    totals = {"detailed": {"energy": 0.0, "time": 0.0}, "simple": {"energy": 0.0, "time": 0.0}}
    breakdown = {}
    spikes = 0
    for model in ("detailed", "simple"):
        for image in biases:
            chip.reset()
            neurons = chip.mapped_neuron_groups[group]
            for n, b in zip(neurons, image):
                n.set_attributes(model_attributes={"bias": float(b)})
            result = chip.sim(args.steps, timing_model=model, spike_trace=True)
            totals[model]["energy"] += result["energy"]["total"]
            totals[model]["time"] += result["sim_time"]
            if model == "detailed":
                # result["spikes"] counts since the chip was made; the trace is this run's.
                spikes += sum(len(step) for step in result["spike_trace"])
                for key, value in result["energy"].items():
                    breakdown[key] = breakdown.get(key, 0.0) + value
    count = len(biases)
    sanafe_summary = {
        "images": count,
        "joulesPerImage": totals["detailed"]["energy"] / count,
        "secondsPerImage": totals["detailed"]["time"] / count,
        "secondsPerStep": totals["detailed"]["time"] / count / args.steps,
        "secondsPerStepSimple": totals["simple"]["time"] / count / args.steps,
        "spikesPerImage": spikes / count,
        "breakdown": {k: v / count for k, v in breakdown.items()},
    }
    summary = {"sanafe": sanafe_summary}
    path = os.path.join(d, "spikekit.json")
    if os.path.exists(path):
        with open(path) as f:
            sk = json.load(f)
        summary["spikekit"] = {k: sk.get(k) for k in ("joulesPerImage", "secondsPerStep", "secondsPerStepQueued",
                                                      "secondsPerImage", "spikesPerImage",
                                                      "breakdown", "cores", "countedImages")}
        summary["energyDifference"] = sk["joulesPerImage"] / sanafe_summary["joulesPerImage"] - 1
        summary["stepTimeDifference"] = sk["secondsPerStep"] / sanafe_summary["secondsPerStep"] - 1
        summary["stepTimeDifferenceSimple"] = sk["secondsPerStep"] / sanafe_summary["secondsPerStepSimple"] - 1
        if sk.get("secondsPerStepQueued"):
            summary["queuedStepTimeDifference"] = sk["secondsPerStepQueued"] / sanafe_summary["secondsPerStep"] - 1
        summary["spikeDifference"] = sk["spikesPerImage"] / max(sanafe_summary["spikesPerImage"], 1e-12) - 1
    print(json.dumps(summary, indent=1, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
