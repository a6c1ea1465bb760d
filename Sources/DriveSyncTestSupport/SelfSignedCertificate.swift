import Foundation

/// A self-signed certificate for 127.0.0.1 made with the openssl command, for HTTPS tests; returns the
/// PEM certificate and key paths inside `folder`.
public func makeSelfSignedCertificate(in folder: String) throws -> (certificate: String, key: String) {
    let certificate = folder + "/cert.pem"
    let key = folder + "/key.pem"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
    ]
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw DriveSyncProcess.Failure(description: "openssl could not make a certificate; install openssl")
    }
    return (certificate, key)
}
