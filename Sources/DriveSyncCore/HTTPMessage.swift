/// Splits an HTTP message held in bytes (a batch part) at its first blank line, LF or CRLF.
public enum HTTPMessage {
    /// The start line and headers, and the body; a message with no blank line is all head.
    public static func split(_ bytes: [UInt8]) -> (head: ArraySlice<UInt8>, body: ArraySlice<UInt8>) {
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                return (bytes[..<index], bytes[(index + 2)...])
            }
            if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\r"), bytes[index + 2] == UInt8(ascii: "\n") {
                return (bytes[..<index], bytes[(index + 3)...])
            }
        }
        return (bytes[...], bytes[bytes.endIndex...])
    }
}
