/// The SpikeKit release this library and its command-line tool belong to. It is printed by
/// `spikekit --version` and recorded in every `report.json`.
public let spikeKitVersion = "0.1.0"
