import Foundation

extension ExperimentConfig {
    /// The effective config as a JSON value: every key with its value after defaults, implied values
    /// and overrides; optional keys that are not set are left out; absent stages stay absent.
    public func effectiveJSONValue() -> JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(name),
            "seed": .integer(seed),
            "data": data.jsonValue,
            "model": model.jsonValue,
            "output": output.jsonValue,
        ]
        if let training { members["training"] = training.jsonValue }
        if let conversion { members["conversion"] = conversion.jsonValue }
        if let simulation { members["simulation"] = simulation.jsonValue }
        if let stdb { members["stdb"] = stdb.jsonValue }
        if let energy { members["energy"] = energy.jsonValue }
        if let hardware { members["hardware"] = hardware.jsonValue }
        return .object(members)
    }

    /// The effective config as pretty-printed JSON with sorted keys (written to
    /// `config.effective.json`); reading it back gives an equal config.
    public func effectiveJSON() -> String {
        effectiveJSONValue().serialized(pretty: true) + "\n"
    }

    /// A stable hash of the effective config: FNV-1a 64 of its compact sorted-key JSON, as 16
    /// lowercase hex digits. Equal configs have equal hashes on every machine.
    public var configHash: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in effectiveJSONValue().serialized(pretty: false).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
