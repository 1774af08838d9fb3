extension ConfigSchema {
    /// The schema as Markdown: one table per section (key, type, allowed values, default, unit,
    /// meaning). `spikekit config --schema` prints it, and `Configs/README.md` holds it verbatim
    /// between its schema markers.
    public static func markdown() -> String {
        var out = ""
        for (index, section) in sections.enumerated() {
            if index > 0 { out += "\n" }
            out += section.name.isEmpty ? "### Top level\n\n" : "### `\(section.name)`\n\n"
            out += section.meaning + "\n\n"
            out += "| Key | Type | Allowed values | Default | Unit | Meaning |\n"
            out += "|---|---|---|---|---|---|\n"
            for key in section.keys {
                let allowed = key.kind.allowedNames.map { "`\($0)`" }.joined(separator: ", ")
                let cells = ["`\(key.key)`", key.kind.typeColumn, allowed, defaultColumn(key), key.unit, key.meaning]
                out += "| " + cells.map(escapeCell).joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    static func defaultColumn(_ key: ConfigKeySpec) -> String {
        if let text = key.defaultText { return text }
        guard let value = key.defaultValue else { return "none" }
        return "`\(value.serialized(pretty: true))`"
    }

    private static func escapeCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
