"""An HTTPS proxy for interop tests: every CONNECT, whatever host it names, is tunnelled to one local
TLS port (the emulator's), so a client with hard-coded Google URLs reaches the emulator.

Usage: python3 Interop/connect_proxy.py LISTEN_PORT TARGET_PORT   (prints "ready" when listening)
"""
import asyncio
import sys

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(reader, writer):
    request = await reader.readuntil(b"\r\n\r\n")
    if not request.upper().startswith(b"CONNECT "):
        writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        writer.close()
        return
    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await writer.drain()
    await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
