/// How one EOTK setting becomes manifest keys.
public struct OptionRule: Sendable {
    public let apply: @Sendable (EOTKSetting, inout OptionContext) -> OptionOutcome

    public init(_ apply: @escaping @Sendable (EOTKSetting, inout OptionContext) -> OptionOutcome) {
        self.apply = apply
    }

    public static func ignored(_ reason: String) -> OptionRule { OptionRule { _, _ in .ignored(reason) } }
    public static func unsupported(_ reason: String) -> OptionRule { OptionRule { _, _ in .unsupported(reason) } }

    /// EOTK's flags are Perl truth: empty and `0` are false, anything else true.
    static func truth(_ setting: EOTKSetting) -> Bool { !(setting.value.isEmpty || setting.value == "0") }

    public static func flag(_ path: String, inverted: Bool = false) -> OptionRule {
        OptionRule { setting, context in
            context.write(path, .bool(truth(setting) != inverted), from: setting)
            return .mapped([path])
        }
    }

    public static func integer(_ paths: [String], _ range: ClosedRange<Int>) -> OptionRule {
        OptionRule { setting, context in
            guard let number = Int(setting.value), range.contains(number) else {
                return context.bad(
                    setting, "'\(setting.value)' is not a whole number in \(range.lowerBound)-\(range.upperBound)")
            }
            for path in paths { context.write(path, .int(number), from: setting) }
            return .mapped(paths)
        }
    }

    /// One word, as written (nginx sizes such as `16k`, levels, names).
    public static func word(_ path: String) -> OptionRule {
        OptionRule { setting, context in
            guard setting.words.count == 1 else {
                return context.bad(setting, "expects one value, not '\(setting.value)'")
            }
            context.write(path, .string(setting.value), from: setting)
            return .mapped([path])
        }
    }

    /// Whole seconds, as EOTK writes them, into nginx times (`15s`).
    public static func seconds(_ paths: [String]) -> OptionRule {
        OptionRule { setting, context in
            guard let number = Int(setting.value), number >= 0 else {
                return context.bad(setting, "'\(setting.value)' is not a number of seconds")
            }
            for path in paths { context.write(path, .string("\(number)s"), from: setting) }
            return .mapped(paths)
        }
    }

    /// A list of words.
    public static func list(_ path: String, transform: @escaping @Sendable (String) -> String = { $0 }) -> OptionRule {
        OptionRule { setting, context in
            guard !setting.words.isEmpty else { return .ignored("empty: nothing to carry over") }
            context.spec.append(
                path, setting.words.map { .string(transform($0.text)) }, comment: OptionContext.origin(setting))
            return .mapped([path])
        }
    }

    /// EOTK's regexes are written for nginx's quoted strings, which turn
    /// `\\` into `\`; manifest patterns are the regex itself.
    static func unescapeRegex(_ text: String) -> String { text.replacingOccurrences(of: "\\\\", with: "\\") }

    /// `name,value` pairs (block_param, param_blacklist, ...).
    public static func params(_ path: String, valueKey: String, regex: Bool) -> OptionRule {
        OptionRule { setting, context in
            guard !setting.words.isEmpty else { return .ignored("empty: nothing to carry over") }
            var items: [ManifestValue] = []
            for row in setting.csvRows {
                guard row.count == 2, !row[0].isEmpty else {
                    return context.bad(setting, "'\(row.joined(separator: ","))' is not NAME,VALUE")
                }
                var pair = ManifestTree()
                pair.set("name", .string(row[0]))
                pair.set(valueKey, .string(regex ? unescapeRegex(row[1]) : row[1]))
                items.append(.map(pair))
            }
            context.spec.append(path, items, comment: OptionContext.origin(setting))
            return .mapped([path])
        }
    }
}
