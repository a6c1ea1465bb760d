import DriveSyncCore
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Stamps every response with the emulator's current second, as Drive does. Hummingbird's own `Date`
/// comes from a cache refreshed once a second, so it lags by up to a second, and a client comparing it
/// with a `modifiedTime` just written would see time run backwards.
final class CurrentDateHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let clock: EmulatorClock

    init(clock: EmulatorClock) { self.clock = clock }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[.date] = Self.httpDate(milliseconds: clock.milliseconds)
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }

    /// `Fri, 15 Jul 2022 18:06:18 GMT`.
    static func httpDate(milliseconds: Int64) -> String {
        let iso = DriveTimestamp.format(milliseconds: milliseconds)
        let days = Int((milliseconds / 1000).quotientAndRemainder(dividingBy: 86_400).quotient)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = iso.split(separator: "T")
        let date = parts[0].split(separator: "-")
        let month = months[(Int(date[1]) ?? 1) - 1]
        return "\(weekday), \(date[2]) \(month) \(date[0]) \(parts[1].prefix(8)) GMT"
    }
}
