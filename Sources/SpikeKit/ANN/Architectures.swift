/// The reference architectures of DESIGN §8, as explicit layer lists.
///
/// All are bias-free. `activation` replaces every hidden ReLU (including both of each residual block)
/// with the clipped ReLU when asked; `dropout` replaces every dropout probability.
///
/// - `mlp`: flatten, Linear 512, ReLU, Linear 512, ReLU, Linear classes.
/// - `cnn-s`: conv3×3 16 (pad 1), ReLU, avg-pool 2; conv3×3 32 (pad 1), ReLU, avg-pool 2; flatten,
///   dropout 0.2, Linear 128, ReLU, dropout 0.2, Linear classes.
/// - `vgg5/9/11/16` (the hybrid-conversion paper's code): each number of the list is conv3×3 (pad 1),
///   ReLU, dropout 0.2; an `A` replaces the dropout just before it with a 2×2 average pool. Then
///   flatten, Linear h, ReLU, dropout 0.5, Linear h, ReLU, dropout 0.5, Linear classes, with h = 4096,
///   or h = 1024 for VGG11 with 100 or more classes (its CIFAR-100 classifier).
/// - `resnet12/20/34`: conv3×3 64, ReLU, dropout 0.2, conv3×3 64, ReLU, dropout 0.2, conv3×3 64,
///   ReLU, avg-pool 2 (as in the paper's code); then stages of basic blocks with 64, 128, 256, 512
///   channels and first strides 1, 2, 2, 2, with [1,1,1,1], [2,2,2,2] or [3,4,6,3] blocks; then
///   flatten and one Linear to the classes.
///
/// The flatten sizes follow from the input: for example VGG16 on 32×32 ends its features at
/// 512×2×2, on 28×28 at 512×1×1.
public enum Architectures {
    /// The names `spec(named:)` knows.
    public static let names = ["mlp", "cnn-s", "vgg5", "vgg9", "vgg11", "vgg16", "resnet12", "resnet20", "resnet34"]

    /// VGG feature lists; 0 stands for `A`, the average pool.
    static let vggLists: [String: [Int]] = [
        "vgg5": [64, 0, 128, 128, 0],
        "vgg9": [64, 0, 128, 256, 0, 256, 512, 0, 512, 0, 512],
        "vgg11": [64, 0, 128, 256, 256, 0, 512, 512, 512, 0, 512, 512],
        "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512],
    ]

    static let resnetBlocks: [String: [Int]] = [
        "resnet12": [1, 1, 1, 1],
        "resnet20": [2, 2, 2, 2],
        "resnet34": [3, 4, 6, 3],
    ]

    /// The spec of architecture `name` for inputs of `inputShape` (`[channels, height, width]`) and
    /// `classes` outputs. An unknown name, a class count below 2 or an input the network does not fit
    /// is a `SpikeKitError.config` problem at `model.architecture` (with a suggestion for a misspelt name).
    public static func spec(named name: String, inputShape: [Int], classes: Int, activation: ActivationSpec = .relu,
                            dropout: Float? = nil) throws -> ArchitectureSpec {
        let key = name.lowercased()
        let layers: [LayerSpec]
        let act = activation.layerSpec
        switch key {
        case "mlp":
            layers = [.flatten, .linear(outputs: 512), act, .linear(outputs: 512), act, .linear(outputs: classes)]
        case "cnn-s":
            layers = [.conv(outChannels: 16, kernel: 3, padding: 1), act, .avgPool(kernel: 2, stride: 2),
                      .conv(outChannels: 32, kernel: 3, padding: 1), act, .avgPool(kernel: 2, stride: 2),
                      .flatten, .dropout(p: 0.2), .linear(outputs: 128), act, .dropout(p: 0.2), .linear(outputs: classes)]
        case _ where vggLists[key] != nil:
            var features: [LayerSpec] = []
            for entry in vggLists[key] ?? [] {
                if entry == 0 {
                    if case .dropout = features.last { features.removeLast() }
                    features.append(.avgPool(kernel: 2, stride: 2))
                } else {
                    features += [.conv(outChannels: entry, kernel: 3, padding: 1), act, .dropout(p: 0.2)]
                }
            }
            let hidden = key == "vgg11" && classes >= 100 ? 1024 : 4096
            layers = features + [.flatten, .linear(outputs: hidden), act, .dropout(p: 0.5),
                                 .linear(outputs: hidden), act, .dropout(p: 0.5), .linear(outputs: classes)]
        case _ where resnetBlocks[key] != nil:
            var stem: [LayerSpec] = [.conv(outChannels: 64, kernel: 3, padding: 1), act, .dropout(p: 0.2),
                                     .conv(outChannels: 64, kernel: 3, padding: 1), act, .dropout(p: 0.2),
                                     .conv(outChannels: 64, kernel: 3, padding: 1), act, .avgPool(kernel: 2, stride: 2)]
            for (stage, (channels, firstStride)) in zip([64, 128, 256, 512], [1, 2, 2, 2]).enumerated() {
                for block in 0..<(resnetBlocks[key] ?? [])[stage] {
                    stem.append(.residual(outChannels: channels, stride: block == 0 ? firstStride : 1, activation: activation))
                }
            }
            layers = stem + [.flatten, .linear(outputs: classes)]
        default:
            throw SpikeKitError.config([ConfigProblem(
                keyPath: "model.architecture",
                message: "unknown architecture '\(name)' (known: \(names.joined(separator: ", ")))",
                suggestion: NameSuggestion.closest(to: name, in: names))])
        }
        guard classes >= 2 else {
            throw SpikeKitError.config([ConfigProblem(keyPath: "model.architecture",
                                                      message: "a classifier needs at least 2 classes, got \(classes)")])
        }
        let spec = ArchitectureSpec(name: key, layers: layers).overridingDropout(dropout)
        do {
            _ = try NetworkBuilder.outputShapes(spec, inputShape: inputShape)
        } catch let error as SpikeKitError {
            throw SpikeKitError.config([ConfigProblem(keyPath: "model.architecture",
                                                      message: "\(key) does not fit inputs of \(inputShape): \(error)")])
        }
        return spec
    }
}
