/// The settings every successive-halving algorithm reads (hyperband, bohb, asha), declared once.
enum MultiFidelitySettings {
    static let resourceName = Setting<String>.required(
        "resource_name", .text, help: "Name of the INT or DOUBLE parameter that carries the resource.")
    static let eta = Setting<Double>(
        "eta", .real(min: 1, minOpen: true), default: 3,
        help: "Reduction factor: the best 1/eta of a rung go on to the next rung with eta times the resource.")
}
