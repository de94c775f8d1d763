import CLibYAML
public import OnionOpsCore

/// A pass over libyaml's event stream that rejects hostile or malformed
/// YAML before any tree is built.
///
/// Yams expands aliases while checking duplicate keys, so about 500 bytes
/// with an alias as a mapping key cost it 27 s of CPU, and aliases fanned out
/// cost gigabytes. Events cost nothing to count, so this pass bounds size,
/// depth, events, documents and alias expansion, and checks keys (scalars only, no
/// duplicates) itself. It also reports every syntax error with its position.
public struct YAMLGuard: Sendable {
    public var limits: YAMLLimits

    public init(limits: YAMLLimits = .default) {
        self.limits = limits
    }

    /// Nil when the file is safe to hand to Yams.
    public func check(_ bytes: [UInt8], file: String) -> Diagnostic? {
        guard bytes.count <= limits.maxBytes else {
            return .error(
                .fileTooLarge,
                "file is \(bytes.count) bytes; manifest files may be at most \(limits.maxBytes) bytes",
                at: .start(of: file)
            )
        }
        if bytes.isEmpty { return nil }
        var walker = EventWalker(limits: limits, file: file, bytes: bytes)
        return walker.run()
    }
}

/// The state of one guard pass.
private struct EventWalker {
    let limits: YAMLLimits
    let file: String
    let bytes: [UInt8]

    /// One open collection.
    struct Frame {
        var isMapping: Bool
        /// In a mapping: the next node is a key.
        var expectingKey = true
        var keys: Set<String> = []
        /// Set when the collection carries an anchor: the expanded count at
        /// its start, to size it when it ends.
        var anchor: String?
        var expandedAtStart = 0
    }

    var frames: [Frame] = []
    var events = 0
    var aliases = 0
    var documents = 0
    var expandedNodes = 0
    var anchorSizes: [String: Int] = [:]

    init(limits: YAMLLimits, file: String, bytes: [UInt8]) {
        self.limits = limits
        self.file = file
        self.bytes = bytes
    }

    mutating func run() -> Diagnostic? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .error(.yamlSyntax, "libyaml could not allocate a parser", at: .start(of: file))
        }
        defer { yaml_parser_delete(&parser) }

        return bytes.withUnsafeBufferPointer { buffer -> Diagnostic? in
            guard let base = buffer.baseAddress else { return nil }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    return parserError(parser)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return nil }
                if let problem = visit(event) { return problem }
            }
        }
    }

    private mutating func visit(_ event: yaml_event_t) -> Diagnostic? {
        events += 1
        let location = SourceLocation(
            file: file,
            line: Int(event.start_mark.line) + 1,
            column: Int(event.start_mark.column) + 1
        )
        if events > limits.maxEvents {
            return .error(
                .tooManyEvents,
                "file has more than \(limits.maxEvents) YAML nodes and events; split it into smaller files",
                at: location
            )
        }

        switch event.type {
        case YAML_SCALAR_EVENT:
            let value = string(event.data.scalar.value, length: event.data.scalar.length)
            switch enterNode(isKeyable: true, key: value, at: location) {
            case .failure(let problem): return problem
            case .success(let wasKey): if !wasKey { completeValue() }
            }
            expandedNodes += 1
            if let anchor = name(event.data.scalar.anchor) { anchorSizes[anchor] = 1 }
            return checkExpansion(at: location)

        case YAML_ALIAS_EVENT:
            if let frame = frames.last, frame.isMapping, frame.expectingKey {
                return .error(
                    .aliasAsKey,
                    "an alias may not be used as a mapping key (it makes YAML parsers expand it over and over)",
                    at: location
                )
            }
            let anchor = name(event.data.alias.anchor) ?? ""
            guard let size = anchorSizes[anchor] else {
                return .error(
                    .undefinedAlias, "an alias to anchor \(SourceEcho.word(anchor)), which is not defined before it",
                    at: location)
            }
            aliases += 1
            if aliases > limits.maxAliases {
                return .error(.tooManyAliases, "file uses more than \(limits.maxAliases) aliases", at: location)
            }
            expandedNodes += size
            completeValue()
            if expandedNodes > limits.maxExpandedNodes {
                return .error(
                    .aliasExpansionTooLarge,
                    "aliases expand this file to more than \(limits.maxExpandedNodes) nodes (a 'billion laughs' document?)",
                    at: location
                )
            }
            return nil

        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            if case .failure(let problem) = enterNode(isKeyable: false, key: nil, at: location) { return problem }
            if frames.count >= limits.maxDepth {
                return .error(
                    .nestingTooDeep,
                    "nesting is deeper than \(limits.maxDepth) levels",
                    at: location
                )
            }
            let anchor = isMapping ? name(event.data.mapping_start.anchor) : name(event.data.sequence_start.anchor)
            frames.append(Frame(isMapping: isMapping, anchor: anchor, expandedAtStart: expandedNodes))
            expandedNodes += 1
            return checkExpansion(at: location)

        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            if let closed = frames.popLast(), let anchor = closed.anchor {
                anchorSizes[anchor] = expandedNodes - closed.expandedAtStart
            }
            completeValue()
            return nil

        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > limits.maxDocuments {
                return .error(
                    .tooManyDocuments,
                    "file has more than \(limits.maxDocuments) YAML documents; split it into smaller files",
                    at: location
                )
            }
            // Anchors are scoped to their document.
            anchorSizes.removeAll(keepingCapacity: true)
            return nil

        default:
            return nil
        }
    }

    /// Checks a node about to appear in the current collection. In a
    /// mapping that expects a key, the node must be a scalar not seen before
    /// in that mapping. Succeeds with whether the node was a key.
    private mutating func enterNode(isKeyable: Bool, key: String?, at location: SourceLocation) -> Result<
        Bool, Diagnostic
    > {
        guard let index = frames.indices.last, frames[index].isMapping, frames[index].expectingKey else {
            return .success(false)
        }
        guard isKeyable, let key else {
            return .failure(
                .error(.complexKey, "mapping keys must be plain scalars, not sequences or mappings", at: location))
        }
        if !frames[index].keys.insert(key).inserted {
            return .failure(
                .error(.duplicateKey, "duplicate key \(SourceEcho.word(key)) in this mapping", at: location))
        }
        frames[index].expectingKey = false
        return .success(true)
    }

    /// A value node is complete: its mapping expects a key next.
    private mutating func completeValue() {
        guard let index = frames.indices.last, frames[index].isMapping else { return }
        frames[index].expectingKey = true
    }

    private func checkExpansion(at location: SourceLocation) -> Diagnostic? {
        guard expandedNodes > limits.maxExpandedNodes else { return nil }
        return .error(
            .aliasExpansionTooLarge,
            "aliases expand this file to more than \(limits.maxExpandedNodes) nodes (a 'billion laughs' document?)",
            at: location
        )
    }

    private func parserError(_ parser: yaml_parser_t) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        if parser.error == YAML_READER_ERROR {
            let (line, column) = position(ofByte: Int(parser.problem_offset))
            return .error(
                .yamlEncoding,
                "not valid UTF-8 YAML: \(problem)",
                at: SourceLocation(file: file, line: line, column: column)
            )
        }
        let location = SourceLocation(
            file: file,
            line: Int(parser.problem_mark.line) + 1,
            column: Int(parser.problem_mark.column) + 1
        )
        // libyaml has its own nesting bound, checked against the scanner's
        // look-ahead: past it, the error points at the outermost bracket.
        if problem.hasPrefix("Maximum nesting level reached") {
            return .error(
                .nestingTooDeep,
                "nesting is deeper than \(limits.maxDepth) levels (libyaml stopped at its own limit inside the structure starting here)",
                at: location
            )
        }
        let context = parser.context.map { String(cString: $0) + ": " } ?? ""
        var hint = ""
        if byte(at: location) == UInt8(ascii: "\t") { hint = " (a tab: YAML indents with spaces only)" }
        return .error(
            .yamlSyntax,
            "YAML syntax error: \(context)\(problem)\(hint)",
            at: location
        )
    }

    /// The byte at a line and column, for hints about what stands there.
    private func byte(at location: SourceLocation) -> UInt8? {
        var line = 1
        var column = 1
        for byte in bytes {
            if line == location.line && column == location.column { return byte }
            if byte == UInt8(ascii: "\n") {
                if line == location.line { return nil }
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return nil
    }

    /// Line and column (in scalars) of a byte offset, for reader errors,
    /// which libyaml reports as an offset only.
    private func position(ofByte offset: Int) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
