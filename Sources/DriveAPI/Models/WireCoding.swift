import DriveSyncCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An int64 that Drive sends as a JSON string (`"size": "1048576"`); bare numbers are accepted too,
/// since some fields (`Channel.expiration`) arrive either way.
@propertyWrapper
public struct Int64String: Codable, Hashable, Sendable {
    public var wrappedValue: Int64?

    public init(wrappedValue: Int64?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            wrappedValue = nil
        } else if let text = try? container.decode(String.self) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "Expected an int64 string, got \(text)"
                )
            }
            wrappedValue = value
        } else {
            wrappedValue = try container.decode(Int64.self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(String(wrappedValue)) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// Absent keys decode as `nil` rather than failing.
    public func decode(_ type: Int64String.Type, forKey key: Key) throws -> Int64String {
        try decodeIfPresent(Int64String.self, forKey: key) ?? Int64String(wrappedValue: nil)
    }
}

extension KeyedEncodingContainer {
    /// `nil` values are left out of request bodies.
    public mutating func encode(_ value: Int64String, forKey key: Key) throws {
        if let wrapped = value.wrappedValue { try encode(String(wrapped), forKey: key) }
    }
}

/// JSON coders set up for Drive: RFC 3339 millisecond timestamps both ways.
enum DriveJSON {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = DriveTimestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "Not an RFC 3339 date-time: \(text)"
                )
            }
            return date
        }
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(DriveTimestamp.format(date))
        }
        return encoder
    }()
}
