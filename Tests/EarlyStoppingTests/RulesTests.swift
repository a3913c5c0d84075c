import Testing
@testable import EarlyStopping
import SuggestionAPI

/// Logs served from memory, recording which trials were asked for.
final class FakeLogs: ObservationLogSource, @unchecked Sendable {
    let logs: [String: [Double]]
    let failing: Set<String>
    private(set) var asked: [String] = []
    private let lock = Mutex()

    init(_ logs: [String: [Double]], failing: Set<String> = []) {
        self.logs = logs
        self.failing = failing
    }

    func values(trial: String, metric: String) async throws(RPCError) -> [Double] {
        lock.run { asked.append(trial) }
        if failing.contains(trial) { throw RPCError(.unavailable, "cannot reach the DBManager for \(trial)") }
        return logs[trial] ?? []
    }
}

final class NoteLog: @unchecked Sendable {
    private let lock = Mutex()
    private var notes: [String] = []
    func add(_ note: String) { lock.run { notes.append(note) } }
    var all: [String] { lock.run { notes } }
}

final class Mutex: @unchecked Sendable {
    private var flag = pthread_mutex_t()
    init() { pthread_mutex_init(&flag, nil) }
    func run<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&flag)
        defer { pthread_mutex_unlock(&flag) }
        return body()
    }
}

#if canImport(Glibc)
import Glibc
#endif

func trial(_ name: String, _ condition: TrialStatus.TrialConditionType) -> Trial {
    Trial(name: name, status: TrialStatus(condition: condition))
}

func request(_ algorithm: String, _ settings: [(String, String)] = [], type: ObjectiveType = .maximize,
             trials: [Trial], address: String = "db:6789") -> GetEarlyStoppingRulesRequest {
    let spec = ExperimentSpec(
        objective: ObjectiveSpec(type: type, objectiveMetricName: "accuracy"),
        earlyStopping: EarlyStoppingSpec(algorithmName: algorithm,
                                         algorithmSettings: settings.map { EarlyStoppingSetting(name: $0.0, value: $0.1) }))
    return GetEarlyStoppingRulesRequest(experiment: Experiment(name: "e", spec: spec), trials: trials, dbManagerAddress: address)
}

func service(_ logs: FakeLogs) -> EarlyStoppingRulesService {
    EarlyStoppingRulesService(trialStatus: KubernetesTrialStatus(access: KubernetesAccess()), logSource: { _ in logs })
}

@Suite struct QuantileTests {
    @Test func medianOfOddAndEvenCounts() {
        #expect(quantile([0.9, 0.15, 0.65], 0.5) == 0.65)
        #expect(quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(quantile([7], 0.5) == 7)
        #expect(quantile([2, 2, 2, 5], 0.5) == 2)
    }

    /// numpy.quantile([1, 2, 3, 4, 10], [0.1, 0.25, 0.9]) = [1.4, 2.0, 7.6]
    @Test func linearInterpolationAsNumpy() {
        #expect(abs(quantile([10, 1, 4, 3, 2], 0.1) - 1.4) < 1e-12)
        #expect(quantile([10, 1, 4, 3, 2], 0.25) == 2.0)
        #expect(abs(quantile([10, 1, 4, 3, 2], 0.9) - 7.6) < 1e-12)
    }

    @Test func meanOfTheFirstValuesOnly() {
        #expect(meanOfFirst([1, 2, 3, 100], 3) == 2)
        #expect(meanOfFirst([4], 3) == 4)
        #expect(meanOfFirst([], 3) == nil)
    }
}

@Suite struct MedianStopTests {
    /// Per-trial averages of the first 4 values 0.625, 0.1875, 0.875: Katib's service answers their
    /// mean 0.5625; the median is 0.625. The fifth value of trial a is past start_step and ignored.
    @Test func trueMedianOfPerTrialAverages() async throws {
        let logs = FakeLogs(["a": [0.5, 0.75, 0.75, 0.5, 0.99], "b": [0.125, 0.25], "c": [0.875, 0.875, 0.875, 0.875]])
        let reply = try await service(logs).getEarlyStoppingRules(request("medianstop", trials: [
            trial("a", .succeeded), trial("b", .succeeded), trial("c", .succeeded), trial("d", .running)]))
        #expect(reply.earlyStoppingRules == [EarlyStoppingRule(name: "accuracy", value: "0.625", comparison: .less, startStep: 4)])
        #expect(Set(logs.asked) == ["a", "b", "c"])
    }

    @Test func minimizeComparesGreater() async throws {
        let logs = FakeLogs(["a": [3, 5], "b": [1, 1], "c": [2, 2], "d": [10, 10]])
        let reply = try await service(logs).getEarlyStoppingRules(request("medianstop", [("start_step", "2")], type: .minimize, trials: [
            trial("a", .succeeded), trial("b", .succeeded), trial("c", .succeeded), trial("d", .succeeded)]))
        #expect(reply.earlyStoppingRules == [EarlyStoppingRule(name: "accuracy", value: "3", comparison: .greater, startStep: 2)])
    }

    @Test func tooFewSucceededTrialsGiveNoRule() async throws {
        let logs = FakeLogs(["a": [1], "b": [2]])
        let reply = try await service(logs).getEarlyStoppingRules(request("medianstop", trials: [
            trial("a", .succeeded), trial("b", .succeeded), trial("c", .earlystopped), trial("d", .failed)]))
        #expect(reply.earlyStoppingRules.isEmpty)
        #expect(logs.asked.isEmpty)
    }

    /// A succeeded trial whose log is empty used to make every call UNAVAILABLE, so Katib retried
    /// forever and the experiment never got rules again: it is now skipped and noted.
    @Test func succeededTrialsWithoutLogsAreSkippedAndNoted() async throws {
        let logs = FakeLogs(["a": [1], "b": [2], "c": [4]])
        let noted = NoteLog()
        let s = EarlyStoppingRulesService(trialStatus: KubernetesTrialStatus(access: KubernetesAccess()),
                                          notes: { e, n in noted.add("\(e): \(n)") }, logSource: { _ in logs })
        let reply = try await s.getEarlyStoppingRules(request("medianstop", trials: [
            trial("a", .succeeded), trial("b", .succeeded), trial("silent", .succeeded), trial("c", .succeeded)]))
        #expect(reply.earlyStoppingRules.map(\.value) == ["2"], "median of 1, 2, 4: the silent trial left out")
        #expect(noted.all == ["e: skipped 1 succeeded trial without numeric accuracy values in the observation log: silent"])
        // Only the usable trials count towards min_trials_required.
        let few = try await s.getEarlyStoppingRules(request("medianstop", trials: [
            trial("a", .succeeded), trial("b", .succeeded), trial("silent", .succeeded)]))
        #expect(few.earlyStoppingRules.isEmpty)
    }

    @Test func unreachableSourceIsReported() async {
        let logs = FakeLogs(["a": [1], "b": [2], "c": [3]], failing: ["b"])
        do {
            _ = try await service(logs).getEarlyStoppingRules(request("medianstop", trials: [
                trial("a", .succeeded), trial("b", .succeeded), trial("c", .succeeded)]))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("b"))
        }
    }

    @Test func manyTrialsAreFetchedOnceEach() async throws {
        var logs: [String: [Double]] = [:]
        var trials: [Trial] = []
        for i in 0..<101 {
            logs["t\(i)"] = [Double(i), Double(i)]
            trials.append(trial("t\(i)", .succeeded))
        }
        let source = FakeLogs(logs)
        let reply = try await service(source).getEarlyStoppingRules(request("medianstop", trials: trials))
        #expect(reply.earlyStoppingRules.first?.value == "50")
        #expect(source.asked.count == 101 && Set(source.asked).count == 101)
    }
}

@Suite struct PercentileAndThresholdTests {
    @Test func percentileWorstFractionForBothDirections() async throws {
        let logs = FakeLogs(["a": [1], "b": [2], "c": [3], "d": [4], "e": [10]])
        let trials = ["a", "b", "c", "d", "e"].map { trial($0, .succeeded) }
        let max = try await service(logs).getEarlyStoppingRules(request("percentile", [("percentile", "25")], trials: trials))
        #expect(max.earlyStoppingRules.first?.value == "2")
        #expect(max.earlyStoppingRules.first?.comparison == .less)
        let min = try await service(logs).getEarlyStoppingRules(request("percentile", [("percentile", "25")], type: .minimize, trials: trials))
        #expect(min.earlyStoppingRules.first?.value == "4")
        #expect(min.earlyStoppingRules.first?.comparison == .greater)
        let median = try await service(logs).getEarlyStoppingRules(request("percentile", trials: trials))
        let katibName = try await service(logs).getEarlyStoppingRules(request("medianstop", trials: trials))
        #expect(median == katibName)
    }

    @Test func thresholdNeedsNoLogsAndNoAddress() async throws {
        let logs = FakeLogs([:])
        let reply = try await service(logs).getEarlyStoppingRules(
            request("threshold", [("value", "0.25")], trials: [trial("a", .running)], address: ""))
        #expect(reply.earlyStoppingRules == [EarlyStoppingRule(name: "accuracy", value: "0.25", comparison: .less, startStep: 0)])
        let other = try await service(logs).getEarlyStoppingRules(
            request("threshold", [("value", "5"), ("metric", "loss"), ("comparison", "greater"), ("start_step", "3")], trials: [], address: ""))
        #expect(other.earlyStoppingRules == [EarlyStoppingRule(name: "loss", value: "5", comparison: .greater, startStep: 3)])
        #expect(logs.asked.isEmpty)
    }

    @Test func thresholdOnAnotherMetricNeedsAComparison() async {
        do {
            _ = try await service(FakeLogs([:])).getEarlyStoppingRules(request("threshold", [("value", "5"), ("metric", "loss")], trials: []))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("comparison"))
        }
    }
}

@Suite struct ValidationTests {
    func validate(_ name: String, _ settings: [(String, String)]) async -> RPCError? {
        let spec = EarlyStoppingSpec(algorithmName: name, algorithmSettings: settings.map { EarlyStoppingSetting(name: $0.0, value: $0.1) })
        do {
            _ = try await service(FakeLogs([:])).validateEarlyStoppingSettings(ValidateEarlyStoppingSettingsRequest(earlyStopping: spec))
            return nil
        } catch { return error }
    }

    @Test func acceptsKatibSettings() async {
        #expect(await validate("medianstop", []) == nil)
        #expect(await validate("medianstop", [("min_trials_required", "5"), ("start_step", "1")]) == nil)
        #expect(await validate("percentile", [("percentile", "10")]) == nil)
        #expect(await validate("threshold", [("value", "-1.5"), ("comparison", "equal")]) == nil)
    }

    @Test(arguments: [
        ("medianstop", [("min_trials_required", "0")], "min_trials_required"),
        ("medianstop", [("start_step", "0")], "start_step"),
        ("medianstop", [("start_step", "four")], "start_step"),
        ("medianstop", [("min_trials", "3")], "unknown setting min_trials"),
        ("percentile", [("percentile", "100")], "percentile"),
        ("threshold", [], "value"),
        ("threshold", [("value", "1"), ("comparison", "below")], "comparison"),
        ("median", [], "unknown algorithm name median"),
        ("", [], "unknown algorithm name"),
    ])
    func rejectsWithAMessageNamingTheProblem(_ name: String, _ settings: [(String, String)], _ fragment: String) async {
        let error = await validate(name, settings)
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
    }

    @Test func addresses() throws {
        let a = try DBManagerAddress(parsing: "katib-db-manager.kubeflow:6789")
        #expect(a.host == "katib-db-manager.kubeflow" && a.port == 6789)
        let b = try DBManagerAddress(parsing: "[::1]:7000")
        #expect(b.host == "::1" && b.port == 7000 && b.description == "[::1]:7000")
        for bad in ["", "db", "db:", ":6789", "db:0", "db:99999", "a:b:c", "db:67x", "d b:1", "[::1]"] {
            #expect(throws: RPCError.self, "\(bad)") { try DBManagerAddress(parsing: bad) }
        }
    }

    @Test func malformedAddressIsInvalidArgumentInGetRules() async {
        do {
            _ = try await service(FakeLogs([:])).getEarlyStoppingRules(request("medianstop", trials: [], address: "nohost"))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("nohost"))
        }
    }

    @Test func trialNamesThatCannotBeKubernetesNames() {
        #expect(throws: RPCError.self) { try KubernetesTrialStatus.checkName("../../secrets") }
        #expect(throws: RPCError.self) { try KubernetesTrialStatus.checkName("") }
        #expect(throws: RPCError.self) { try KubernetesTrialStatus.checkName("Upper") }
        #expect(throws: Never.self) { try KubernetesTrialStatus.checkName("exp-abc12.x") }
    }
}
