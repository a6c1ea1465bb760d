import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOFoundationCompat

/// JSON in and out, with the service's limits and error shape.
enum JSONAnswer {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // RFC 3339, as the OpenAPI document's date-time says.
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    /// Decodes a JSON body of at most `limit` bytes; a larger one is refused with 413.
    static func decode<Value: Decodable>(_ type: Value.Type, from request: Request, limit: Int) async throws -> Value {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ServiceError(.contentTooLarge, reason: "tooLarge", message: "the JSON body is over \(limit) bytes")
        }
        guard body.readableBytes > 0 else {
            throw ServiceError(.badRequest, reason: "invalidJSON", message: "send a JSON body")
        }
        return try JSONDecoder().decode(Value.self, from: Data(buffer: body))
    }
}

extension FlatDictionary<Substring, Substring> {
    func string(_ name: Substring) -> String? {
        self[name].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The `account` parameter: absent means the default account; present, it must name one.
    func account() throws -> String? {
        guard let text = self["account"].map(String.init) else { return nil }
        guard !text.isEmpty else {
            throw ServiceError(.badRequest, reason: "invalid", message: "account is empty; name one or leave it out")
        }
        return text
    }

    func integer(_ name: Substring, in allowed: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), allowed.contains(value) else {
            throw ServiceError(
                .badRequest,
                reason: "invalid",
                message: "\(name) is a whole number from \(allowed.lowerBound) to \(allowed.upperBound)"
            )
        }
        return value
    }

    func boolean(_ name: Substring) throws -> Bool? {
        guard let text = string(name) else { return nil }
        guard let value = Bool(text.lowercased()) else {
            throw ServiceError(.badRequest, reason: "invalid", message: "\(name) is true or false")
        }
        return value
    }
}

/// `Content-Disposition` for a file name of any characters (RFC 6266): an ASCII fallback and the exact
/// name in UTF-8.
enum ContentDisposition {
    static func attachment(filename: String) -> String {
        let fallback = String(
            filename.unicodeScalars.map {
                $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_"
            }
        )
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$&+-.^_`|~"))
        let exact = filename.addingPercentEncoding(withAllowedCharacters: allowed) ?? fallback
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(exact)"
    }
}
