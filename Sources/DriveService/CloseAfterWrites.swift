import NIOCore
import NIOHTTPTypes

/// Holds a connection's close back until the bytes already written have left. When the server shuts down
/// gracefully, Hummingbird closes a connection as soon as it writes a response's end; NIO drops whatever
/// a slow client had not yet taken, so a download in flight would end short of its `Content-Length`.
/// With this handler nearer the network, the close waits for those writes (or their failure).
final class CloseAfterWrites: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var pendingWrites = 0
    private var deferredClose: EventLoopPromise<Void>??

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        pendingWrites += 1
        let written = context.eventLoop.makePromise(of: Void.self)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.futureResult.whenComplete { result in
            let (handler, context) = loopBound.value
            promise?.completeWith(result)
            handler.pendingWrites -= 1
            if handler.pendingWrites == 0, let close = handler.deferredClose {
                handler.deferredClose = nil
                context.close(mode: .all, promise: close)
            }
        }
        context.write(data, promise: written)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, pendingWrites > 0 else {
            context.close(mode: mode, promise: promise)
            return
        }
        if case .some(let earlier) = deferredClose {
            // A second close while one waits: complete both together.
            let both = context.eventLoop.makePromise(of: Void.self)
            earlier?.completeWith(both.futureResult)
            promise?.completeWith(both.futureResult)
            deferredClose = .some(both)
        } else {
            deferredClose = .some(promise)
        }
    }
}
