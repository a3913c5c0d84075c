private import CProtobufC
private import CKatibProto
#if canImport(Glibc)
import Glibc
#endif

extension GetObservationLogReply {
    /// The values of `metric` in an encoded GetObservationLogReply, in log order, read straight from
    /// protobuf-c's tree: no Swift value per log entry, so decoding costs about twice the reply's
    /// size (the arena) instead of tens of times (a `MetricLog` with three `String`s per entry).
    /// Entries whose metric name is `metric` or empty (Katib's DBManager answers a query by metric
    /// with the names left out) and whose value `parse` accepts are kept.
    public static func metricValues(_ bytes: [UInt8], metric: String,
                                    parse: (String) -> Double?) throws(RPCError) -> [Double] {
        try decodeMessage(bytes, descriptorIndex: descriptorIndex, name: protoFullName) { raw in
            let reply = raw.assumingMemoryBound(to: Api__V1__Beta1__GetObservationLogReply.self)
            guard let log = reply.pointee.observation_log else { return [] }
            var values: [Double] = []
            for i in 0..<log.pointee.n_metric_logs {
                guard let entry = log.pointee.metric_logs[i], let m = entry.pointee.metric else { continue }
                let name = m.pointee.name
                guard name == nil || name!.pointee == 0 || metric.withCString({ strcmp($0, name!) == 0 }),
                      let text = m.pointee.value, let v = parse(String(cString: text)) else { continue }
                values.append(v)
            }
            return values
        }
    }
}
