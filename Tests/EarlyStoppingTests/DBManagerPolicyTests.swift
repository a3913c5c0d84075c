// The DBManager address a request names is dialled only when the server's policy admits it, and
// GetObservationLog replies are read without building a Swift value per log entry.
import Testing
@testable import EarlyStopping
import SuggestionAPI

@Suite struct DBManagerPolicyTests {
    func allows(_ policy: DBManagerPolicy, _ text: String) throws -> Bool {
        let address = try DBManagerAddress(parsing: text)
        do {
            try policy.check(address)
            return true
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("--dbmanager-allow"))
            return false
        }
    }

    @Test func katibsDefaultAdmitsItsServiceInAnyNamespaceOnly() throws {
        let katib = DBManagerPolicy.katib
        for ok in ["katib-db-manager.kubeflow:6789", "katib-db-manager.team-a.svc:6789",
                   "katib-db-manager.kubeflow.svc.cluster.local:6789", "KATIB-DB-MANAGER.Kubeflow:6789"] {
            #expect(try allows(katib, ok), "\(ok)")
        }
        for refused in ["127.0.0.1:6789", "katib-db-manager.kubeflow:22", "evil.katib-db-manager.kubeflow:6789",
                        "katib-db-manager.a.b:6789", "katib-db-manager:6789", "[::1]:6789", "169.254.169.254:80",
                        "katib-db-manager..svc:6789"] {
            #expect(try !allows(katib, refused), "\(refused)")
        }
        #expect(try allows(DBManagerPolicy(allowed: DBManagerPolicy.katib.allowed + ["db.local:7000"]), "db.local:7000"))
        #expect(try allows(.any, "10.0.0.1:1"))
    }

    @Test func aRefusedAddressIsNeverDialled() async throws {
        let logs = FakeLogs(["t1": [0.5], "t2": [0.6], "t3": [0.7]])
        let strict = EarlyStoppingRulesService(trialStatus: KubernetesTrialStatus(access: KubernetesAccess()),
                                               dbManagerPolicy: .katib, logSource: { _ in logs })
        let trials = [trial("t1", .succeeded), trial("t2", .succeeded), trial("t3", .succeeded)]
        let error = await rpcCode { () async throws(RPCError) in _ = try await strict.getEarlyStoppingRules(request("medianstop", trials: trials, address: "127.0.0.1:6789")) }
        #expect(error?.code == .invalidArgument)
        #expect(logs.asked.isEmpty, "no log was fetched")
    }

    @Test func metricValuesAreReadStraightFromTheReply() throws {
        let entries = (0 ..< 1000).map { i in
            MetricLog(timeStamp: "2026-11-30T00:00:00Z", metric: Metric(name: i % 3 == 0 ? "loss" : (i % 3 == 1 ? "" : "accuracy"), value: i == 4 ? "nan" : "\(i)"))
        }
        let bytes = GetObservationLogReply(observationLog: ObservationLog(metricLogs: entries)).serializedBytes()
        let values = try GetObservationLogReply.metricValues(bytes, metric: "accuracy") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
        #expect(values == (0 ..< 1000).filter { $0 % 3 != 0 && $0 != 4 }.map(Double.init))
        #expect(try GetObservationLogReply.metricValues(GetObservationLogReply().serializedBytes(), metric: "x") { Double($0) } == [])
        #expect(throws: RPCError.self) { _ = try GetObservationLogReply.metricValues([0xFF, 0xFF], metric: "x") { Double($0) } }
    }
}

func rpcCode(_ body: () async throws(RPCError) -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
