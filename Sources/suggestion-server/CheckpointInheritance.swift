#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import Algorithms

/// The checkpoint half of Katib's pbt contract, which needs the file system and so lives here, not in
/// `Algorithms`. With `resumePolicy: FromVolume`, Katib mounts the suggestion volume at
/// `/opt/katib/data` in this container and at `suggestion_trial_dir` (subPath
/// `<experiment>/<trial name>`) in every trial. Before a trial exists, its directory must hold a copy
/// of its parent's checkpoint (Katib's pbt service copies it when it queues the trial). So after a
/// successful pbt GetSuggestions, for every assignment: `<data>/<experiment>/<trial>` is removed if
/// present (a reply recomputed after Katib discarded it reuses the names; such trials never ran), then
/// created as a recursive copy of `<data>/<experiment>/<parent>` when the reply names a parent whose
/// directory exists, else empty. Nothing happens when `<data>` is not a directory (no volume) or the
/// algorithm declares no `checkpointInheritance`. A copy that fails answers INTERNAL, and Katib's
/// controller retries the call.
struct CheckpointInheritanceService<Base: SuggestionService>: SuggestionService {
    let base: Base
    let dataDirectory: String

    func validateAlgorithmSettings(_ request: ValidateAlgorithmSettingsRequest) async throws(RPCError) -> ValidateAlgorithmSettingsReply {
        try await base.validateAlgorithmSettings(request)
    }

    /// The base's inline answers need no directories: algorithms with checkpoints (pbt) never give one.
    func suggestionsIfCheap(_ request: SuggestionsRequest) -> Result<GetSuggestionsReply, RPCError>? {
        guard let algorithm = request.experiment?.spec?.algorithm?.algorithmName,
              AlgorithmRegistry.sampler(named: algorithm)?.checkpointInheritance == nil else { return nil }
        return base.suggestionsIfCheap(request)
    }

    func getSuggestions(_ request: SuggestionsRequest) async throws(RPCError) -> GetSuggestionsReply {
        let reply = try await base.getSuggestions(request)
        guard let algorithm = request.experiment?.spec?.algorithm?.algorithmName,
              let inheritance = AlgorithmRegistry.sampler(named: algorithm)?.checkpointInheritance, !dataDirectory.isEmpty,
              FileTree.isDirectory(dataDirectory), let experiment = request.experiment?.name,
              FileTree.isPlainName(experiment) else { return reply }
        let root = dataDirectory + "/" + experiment
        do {
            try FileTree.makeDirectory(root)
            for pa in reply.parameterAssignments where FileTree.isPlainName(pa.trialName) {
                let target = root + "/" + pa.trialName
                try FileTree.remove(target)
                if let parent = pa.labels[inheritance.parentLabel], FileTree.isPlainName(parent),
                   FileTree.isDirectory(root + "/" + parent) {
                    try FileTree.copy(root + "/" + parent, to: target)
                } else {
                    try FileTree.makeDirectory(target)
                }
            }
        } catch {
            throw RPCError(.internalError, "\(algorithm): cannot prepare trial checkpoint directories under \(root): \(error.text)")
        }
        return reply
    }
}

/// Minimal recursive directory operations over the C library (no Foundation).
enum FileTree {
    struct Failure: Error { let text: String }

    static func fail(_ what: String, _ path: String) -> Failure {
        Failure(text: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// A single path component that cannot climb out of its directory.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectory(_ path: String) throws(Failure) {
        if mkdir(path, 0o755) != 0 && !(errno == EEXIST && isDirectory(path)) { throw fail("mkdir", path) }
    }

    static func entries(_ path: String) throws(Failure) -> [String] {
        guard let dir = opendir(path) else { throw fail("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes `path` and everything below it (symbolic links are removed, never followed); absent is fine.
    static func remove(_ path: String) throws(Failure) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw fail("lstat", path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try entries(path) { try remove(path + "/" + name) }
            if rmdir(path) != 0 { throw fail("rmdir", path) }
        } else if unlink(path) != 0 {
            throw fail("unlink", path)
        }
    }

    /// Copies the tree at `source` to `target` (which must not exist): directories, regular files (with
    /// their permission bits) and symbolic links (as links); other file types are skipped.
    static func copy(_ source: String, to target: String) throws(Failure) {
        var st = stat()
        guard lstat(source, &st) == 0 else { throw fail("lstat", source) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            if mkdir(target, st.st_mode & 0o7777) != 0 { throw fail("mkdir", target) }
            for name in try entries(source) { try copy(source + "/" + name, to: target + "/" + name) }
        case S_IFREG:
            try copyFile(source, to: target, mode: st.st_mode & 0o7777)
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: 4097)
            let n = readlink(source, &buffer, 4096)
            if n < 0 { throw fail("readlink", source) }
            buffer[n] = 0
            if symlink(buffer, target) != 0 { throw fail("symlink", target) }
        default:
            break
        }
    }

    static func copyFile(_ source: String, to target: String, mode: mode_t) throws(Failure) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        if input < 0 { throw fail("open", source) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if output < 0 { throw fail("create", target) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("read", source)
            }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, n - written) }
                if w < 0 {
                    if errno == EINTR { continue }
                    throw fail("write", target)
                }
                written += w
            }
        }
    }
}
