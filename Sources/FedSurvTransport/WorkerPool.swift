import Foundation

/// A fixed number of threads that run submitted jobs in FIFO order.
///
/// The server runs route handlers here rather than on a Dispatch concurrent
/// queue. In the transport tests on a two-core Linux machine, libdispatch ran
/// only two blocking jobs at once, so two slow handlers held up every other site.
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var isShuttingDown = false
    private let finished = DispatchGroup()

    init(threads: Int, name: String) {
        precondition(threads >= 1, "a worker pool needs at least one thread, got \(threads)")
        for index in 0..<threads {
            finished.enter()
            let thread = Thread { [self] in
                work()
                finished.leave()
            }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Queues `job`; it runs as soon as a thread is free.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    /// Lets queued jobs finish, then ends the threads and waits for them.
    func shutdown() {
        condition.withLock {
            isShuttingDown = true
            condition.broadcast()
        }
        finished.wait()
    }

    private func work() {
        while true {
            let job: (@Sendable () -> Void)? = condition.withLock {
                while jobs.isEmpty && !isShuttingDown {
                    condition.wait()
                }
                return jobs.isEmpty ? nil : jobs.removeFirst()
            }
            guard let job else { return }
            job()
        }
    }
}
