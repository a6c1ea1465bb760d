#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON document that keeps object members in order, so responses print fields in Drive's order
/// and `fields` masks can be applied generically to any resource.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var boolValue: Bool? {
        switch self {
        case .bool(let value): return value
        case .string(let value): return Bool(value.lowercased())
        default: return nil
        }
    }

    /// int64 fields travel as strings on Drive's wire, but clients also send bare numbers.
    var int64Value: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value): return Int64(exactly: value.rounded(.towardZero))
        case .string(let value): return Int64(value)
        default: return nil
        }
    }

    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var members: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// A string-to-string map (`appProperties`, `properties`); `null` values mean "remove".
    var stringMap: [String: String?]? {
        guard let members else { return nil }
        var map: [String: String?] = [:]
        for member in members {
            switch member.value {
            case .null: map[member.key] = .some(nil)
            case .string(let value): map[member.key] = value
            case .int(let value): map[member.key] = String(value)
            case .bool(let value): map[member.key] = String(value)
            default: continue
            }
        }
        return map
    }
}

struct JSONMember: Sendable, Equatable {
    var key: String
    var value: JSONValue

    init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// Builds an object, dropping members whose value is absent.
struct JSONObjectBuilder {
    private(set) var members: [JSONMember] = []
    /// The members to build (`nil`: all); the others are never computed.
    private let selection: FieldMask?

    init(selecting selection: FieldMask? = nil) { self.selection = selection }

    private func wants(_ key: String) -> Bool { selection?.selects(key) ?? true }

    mutating func add(_ key: String, _ value: @autoclosure () -> JSONValue?) {
        guard wants(key), let value = value() else { return }
        members.append(JSONMember(key, value))
    }

    mutating func add(_ key: String, _ value: @autoclosure () -> String?) { add(key, value().map(JSONValue.string)) }
    mutating func add(_ key: String, _ value: @autoclosure () -> Bool?) { add(key, value().map(JSONValue.bool)) }
    /// int64 on the wire: a JSON string.
    mutating func addInt64(_ key: String, _ value: @autoclosure () -> Int64?) {
        add(key, value().map { JSONValue.string(String($0)) })
    }
    mutating func addInt(_ key: String, _ value: @autoclosure () -> Int?) {
        add(key, value().map { JSONValue.int(Int64($0)) })
    }
    mutating func add(_ key: String, map: @autoclosure () -> [String: String]?) {
        add(
            key,
            map().map { JSONValue.object($0.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) }) }
        )
    }

    var value: JSONValue { .object(members) }
}

extension JSONValue: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            let keyed = try decoder.container(keyedBy: AnyKey.self)
            self = .object(
                try keyed.allKeys.map { JSONMember($0.stringValue, try keyed.decode(JSONValue.self, forKey: $0)) }
            )
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Parses UTF-8 JSON; `nil` when the bytes are not JSON.
    static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }
}

extension JSONValue {
    /// Serialises as Google does: one space per indentation level when pretty, compact otherwise.
    func serialized(pretty: Bool) -> String {
        var output = ""
        write(to: &output, pretty: pretty, depth: 0)
        return output
    }

    private func write(to output: inout String, pretty: Bool, depth: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value):
            output +=
                value.isFinite
                ? (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)") : "null"
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let values):
            guard !values.isEmpty else {
                output += "[]"
                return
            }
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                if pretty { Self.newline(&output, depth + 1) }
                value.write(to: &output, pretty: pretty, depth: depth + 1)
            }
            if pretty { Self.newline(&output, depth) }
            output += "]"
        case .object(let members):
            guard !members.isEmpty else {
                output += "{}"
                return
            }
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                if pretty { Self.newline(&output, depth + 1) }
                Self.writeString(member.key, to: &output)
                output += pretty ? ": " : ":"
                member.value.write(to: &output, pretty: pretty, depth: depth + 1)
            }
            if pretty { Self.newline(&output, depth) }
            output += "}"
        }
    }

    private static func newline(_ output: inout String, _ depth: Int) {
        output += "\n"
        output += String(repeating: " ", count: depth)
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "<": output += "\\u003c"
            case ">": output += "\\u003e"
            case "=": output += "\\u003d"
            case "&": output += "\\u0026"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
