/// A rule that updates parameters from their accumulated gradients, with the state it keeps
/// between steps (momenta, moment estimates, the step count).
///
/// An optimizer binds to a parameter list on its first `step` and expects the same list (same
/// names and shapes, same order) afterwards. Its state can be saved and restored (`state`,
/// `restore`), so a resumed run continues bit for bit.
public protocol Optimizer: AnyObject {
    /// `sgd` or `adam`.
    var kind: OptimizerKind { get }
    /// Applies one update to every parameter from its `gradient`, at `learningRate`.
    func step(_ parameters: [Parameter], learningRate: Float)
    /// A copy of the optimizer's state.
    var state: OptimizerState { get }
    /// Replaces the state with `state`, which must have been saved for `parameters` (same names and
    /// shapes) by an optimizer of the same kind; throws a description of the first mismatch otherwise.
    func restore(_ state: OptimizerState, parameters: [Parameter]) throws
}

/// Which optimizer a training run uses.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case adam
    case sgd
}

/// An optimizer's saved state: the number of steps taken and its per-parameter tensors, named
/// `<slot>/<parameter name>` (for example `m/conv1.weight`).
public struct OptimizerState: Equatable, Sendable {
    public var kind: OptimizerKind
    public var steps: Int
    public var tensors: [String: Tensor]

    public init(kind: OptimizerKind, steps: Int, tensors: [String: Tensor]) {
        self.kind = kind
        self.steps = steps
        self.tensors = tensors
    }
}

/// One kind of per-parameter optimizer state (a momentum, a moment estimate): one array per parameter.
final class OptimizerSlot {
    let name: String
    var values: [[Float]] = []
    init(name: String) { self.name = name }
}

/// The slots of an optimizer, bound to a parameter list. Each slot is its own object, so an update
/// can hold two slots' arrays for writing at once.
struct OptimizerSlots {
    let slots: [OptimizerSlot]
    private(set) var names: [String] = []

    init(slotNames: [String]) { slots = slotNames.map(OptimizerSlot.init) }

    var slotNames: [String] { slots.map(\.name) }

    var isBound: Bool { !names.isEmpty }

    /// Allocates zeroed slots for `parameters` on first use; afterwards checks the list is the same.
    mutating func bind(_ parameters: [Parameter]) {
        if isBound {
            precondition(parameters.count == names.count && zip(parameters, names).allSatisfy { $0.name == $1 },
                         "optimizer: the parameter list changed between steps (\(names.count) → \(parameters.count))")
            return
        }
        names = parameters.map(\.name)
        for slot in slots { slot.values = parameters.map { [Float](repeating: 0, count: $0.count) } }
    }

    func tensors(parameters shapes: [[Int]]) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for slot in slots {
            for (p, name) in names.enumerated() {
                result["\(slot.name)/\(name)"] = Tensor(shape: shapes[p], scalars: slot.values[p])
            }
        }
        return result
    }

    /// Binds to `parameters` with the values of `tensors`, or throws `SpikeKitError.model` naming the
    /// missing, misshapen or unexpected tensor (nothing changes then).
    mutating func restore(_ tensors: [String: Tensor], parameters: [Parameter]) throws {
        var restored: [[[Float]]] = []
        for slot in slotNames {
            var perParameter: [[Float]] = []
            for parameter in parameters {
                let key = "\(slot)/\(parameter.name)"
                guard let tensor = tensors[key] else {
                    throw SpikeKitError.model(layer: parameter.name, reason: "the optimizer state has no tensor '\(key)'")
                }
                guard tensor.shape == parameter.value.shape else {
                    throw SpikeKitError.model(layer: parameter.name,
                                              reason: "optimizer tensor '\(key)' has shape \(tensor.shape), the parameter \(parameter.value.shape)")
                }
                perParameter.append(tensor.scalars)
            }
            restored.append(perParameter)
        }
        let expected = Set(slotNames.flatMap { slot in parameters.map { "\(slot)/\($0.name)" } })
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw SpikeKitError.model(layer: nil, reason: "the optimizer state has a tensor '\(extra)' for no parameter of this network")
        }
        names = parameters.map(\.name)
        for (slot, values) in zip(slots, restored) { slot.values = values }
    }
}
