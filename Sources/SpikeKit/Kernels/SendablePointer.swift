/// A mutable pointer that may be captured by the `@Sendable` closure of `parallelFor`.
///
/// Swift 6 rejects capturing an `UnsafeMutablePointer` in a concurrently executed closure, because
/// nothing stops two iterations from writing the same element. This wrapper is the one place the
/// project vouches for that itself, and it is only correct under one rule:
///
/// **each iteration of a parallel loop writes only its own, disjoint range of the buffer**
/// (one sample of a batch, one block of rows, one scratch slot indexed by the iteration).
/// Reads of memory nobody writes during the loop are always fine.
///
/// It lives in `Kernels/` and is used nowhere else.
@usableFromInline
struct SendablePointer<Element>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Element>
    @inlinable init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    @inlinable init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 0x10)! }
}

/// A read-only pointer that may be captured by a `@Sendable` closure (see `SendablePointer`).
@usableFromInline
struct SendableConstPointer<Element>: @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<Element>
    @inlinable init(_ base: UnsafePointer<Element>) { self.base = base }
    @inlinable init(_ buffer: UnsafeBufferPointer<Element>) { self.base = buffer.baseAddress ?? UnsafePointer(bitPattern: 0x10)! }
}
