// The streamed event imports, MetricService.ImportEvents and StreamEvents, on gRPC's callback
// API. A stream holds no thread while it waits for its client, so a thousand idle streams cost
// memory, not a thousand threads. Each message's rows are committed on a small pool of workers,
// never on gRPC's own threads, which serve every other call; and a stream that keeps its client
// waiting for nothing ends after the idle timeout.
//
// The streams take messages as raw bytes and parse them here: gRPC's own parsing would end a
// stream at an unparseable message as if the client had finished, and the import would look
// complete. Here it ends with INVALID_ARGUMENT naming the message.
#ifndef PLAUDIT_CORE_API_EVENT_STREAMS_H_
#define PLAUDIT_CORE_API_EVENT_STREAMS_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/api/access_gate.h"
#include "core/domain/clock.h"
#include "core/ingest/ingest.h"

namespace plaudit::api {

// Runs tasks on a fixed number of threads, in the order posted. Thread-safe. The destructor runs
// the tasks already posted, then joins the threads.
class ChunkWorkers {
 public:
  explicit ChunkWorkers(int threads);
  ~ChunkWorkers();
  ChunkWorkers(const ChunkWorkers&) = delete;
  ChunkWorkers& operator=(const ChunkWorkers&) = delete;

  void Post(std::function<void()> task);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// Tells streams that have waited for their client longer than `timeout`, on one thread for all
// of them. Times are real time, like gRPC's deadlines. Thread-safe.
class IdleStreamWatch {
 public:
  class Stream {
   public:
    // The stream waited `timeout` since Watch(). Called once per Watch(), on the watch's thread,
    // never after Unwatch() returned.
    virtual void OnIdle() = 0;

   protected:
    ~Stream() = default;
  };

  explicit IdleStreamWatch(absl::Duration timeout);
  ~IdleStreamWatch();
  IdleStreamWatch(const IdleStreamWatch&) = delete;
  IdleStreamWatch& operator=(const IdleStreamWatch&) = delete;

  absl::Duration timeout() const { return timeout_; }
  // Starts the stream's idle clock from now (again, if it was running).
  void Watch(Stream* stream);
  // Stops it. When this returns, OnIdle is not running for `stream` (unless this is called from
  // that OnIdle) and will not be called until the next Watch().
  void Unwatch(Stream* stream);

 private:
  void Run();

  const absl::Duration timeout_;
  absl::Mutex mu_;
  std::map<Stream*, absl::Time> since_ ABSL_GUARDED_BY(mu_);
  // Streams whose OnIdle is running now, outside the lock.
  std::set<Stream*> calling_ ABSL_GUARDED_BY(mu_);
  bool added_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// What the streams need; all outlive every stream (the server shuts down before they go).
struct EventStreamDeps {
  EventIngestor* ingestor;
  ChunkWorkers* workers;
  IdleStreamWatch* idle;
  // Who may stream, and replace stored events (admins).
  AccessGate* gate;
  Clock* clock;
};

// The reactor of one ImportEvents call: commits each message as it arrives and, at the end,
// writes the summary into `response` (an ImportEventsResponse). Deletes itself when done.
grpc::ServerReadReactor<grpc::ByteBuffer>* StartEventImport(const EventStreamDeps& deps,
                                                            grpc::CallbackServerContext* context,
                                                            grpc::ByteBuffer* response);

// The reactor of one StreamEvents call: commits each message as it arrives and answers it with
// an ImportEventsProgress once committed. Deletes itself when done.
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StartEventStream(
    const EventStreamDeps& deps, grpc::CallbackServerContext* context);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_EVENT_STREAMS_H_
