import Foundation

/// The operating system's words for why a file operation failed: the POSIX error under a Foundation
/// error when there is one ("No space left on device", "Not a directory"), rather than Foundation's
/// generic "The operation could not be completed".
public func systemErrorReason(_ error: any Error) -> String {
    let nsError = error as NSError
    let underlying = (nsError.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError } ?? nsError
    if underlying.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(underlying.code))) }
    return underlying.localizedDescription
}
