import SpikeKit
print("spikekit")
