#include "core/api/event_streams.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/server_context.h>

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/api/actor.h"
#include "core/api/status.h"
#include "plaudit/v1/metrics.pb.h"

namespace plaudit::api {

namespace v1 = ::plaudit::v1;

ChunkWorkers::ChunkWorkers(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

ChunkWorkers::~ChunkWorkers() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void ChunkWorkers::Post(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

void ChunkWorkers::Run() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || !tasks_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

IdleStreamWatch::IdleStreamWatch(absl::Duration timeout)
    : timeout_(timeout), thread_([this] { Run(); }) {}

IdleStreamWatch::~IdleStreamWatch() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void IdleStreamWatch::Watch(Stream* stream) {
  absl::MutexLock lock(&mu_);
  // A stream watched anew may be due before the one the thread waits for.
  if (since_.insert_or_assign(stream, absl::Now()).second) added_ = true;
}

void IdleStreamWatch::Unwatch(Stream* stream) {
  absl::MutexLock lock(&mu_);
  since_.erase(stream);
  // From OnIdle itself (should gRPC end the call on the calling thread) there is nothing to wait
  // for, and waiting would never end.
  if (std::this_thread::get_id() == thread_.get_id()) return;
  auto not_calling = [this, stream]()
                         ABSL_SHARED_LOCKS_REQUIRED(mu_) { return calling_.count(stream) == 0; };
  mu_.Await(absl::Condition(&not_calling));
}

void IdleStreamWatch::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = absl::Now();
    absl::Time next = absl::InfiniteFuture();
    std::vector<Stream*> due;
    for (auto it = since_.begin(); it != since_.end();) {
      if (it->second + timeout_ <= now) {
        due.push_back(it->first);
        it = since_.erase(it);
      } else {
        next = std::min(next, it->second + timeout_);
        ++it;
      }
    }
    if (!due.empty()) {
      // OnIdle runs outside the lock, so it may end its call (and gRPC may call back into the
      // stream) freely; Unwatch waits for it.
      calling_.insert(due.begin(), due.end());
      mu_.Unlock();
      for (Stream* stream : due) stream->OnIdle();
      mu_.Lock();
      calling_.clear();
      continue;
    }
    added_ = false;
    auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || added_; };
    mu_.AwaitWithDeadline(absl::Condition(&woken), next);
  }
}

namespace {

// As many rejected rows as ImportEvents lists; the counts stay exact beyond it.
constexpr size_t kMaxReportedErrors = 10000;

void AddErrors(const std::vector<RowError>& errors,
               google::protobuf::RepeatedPtrField<v1::RowError>* out) {
  for (const RowError& e : errors) {
    if (static_cast<size_t>(out->size()) >= kMaxReportedErrors) break;
    v1::RowError* err = out->Add();
    err->set_line(e.line);
    err->set_reason(e.reason);
  }
}

// One stream's import: the header, and whether rows replace what is stored, from the first
// message, then each message's rows committed.
class StreamedCsv {
 public:
  StreamedCsv(const EventStreamDeps& deps, Caller caller)
      : deps_(deps), caller_(std::move(caller)) {}

  // Commits the message's rows. INVALID_ARGUMENT when the first message has no valid header or
  // a later one asks for replacing otherwise than the first; with `replace`, the refusals of
  // CorrectingAdmin, all before any row is stored.
  absl::StatusOr<ImportSummary> Commit(v1::ImportEventsRequest& message) {
    if (!columns_) {
      std::vector<std::string> header(message.header().begin(), message.header().end());
      if (header.empty()) {
        return absl::InvalidArgumentError("header: the first message must carry the CSV header");
      }
      auto parsed = ParseEventHeader(header);
      if (!parsed.ok()) return parsed.status();
      if (message.replace()) {
        auto admin = CorrectingAdmin(caller_, message.reason());
        if (!admin.ok()) return admin.status();
        replacement_ = EventReplacement{*std::move(admin), message.reason(), 0};
      } else if (!message.reason().empty()) {
        return absl::InvalidArgumentError("reason: given without replace");
      }
      columns_ = *parsed;
    } else if ((message.replace() || !message.reason().empty()) &&
               (message.replace() != replacement_.has_value() ||
                message.reason() != (replacement_ ? replacement_->reason : ""))) {
      return absl::InvalidArgumentError(
          "replace: a later message asks otherwise than the first; set replace and reason on "
          "the first message (the one with the header)");
    }
    std::vector<CsvLine> rows;
    rows.reserve(message.rows_size());
    for (v1::CsvRow& row : *message.mutable_rows()) {
      CsvLine line;
      line.line = row.line();
      line.fields.reserve(row.fields_size());
      for (std::string& f : *row.mutable_fields()) line.fields.push_back(std::move(f));
      rows.push_back(std::move(line));
    }
    if (replacement_) replacement_->at_us = absl::ToUnixMicros(deps_.clock->Now());
    return deps_.ingestor->IngestCsv(*columns_, rows, replacement_);
  }

 private:
  const EventStreamDeps deps_;
  const Caller caller_;
  std::optional<EventColumns> columns_;
  std::optional<EventReplacement> replacement_;
};

// What both streams share: read a message, commit it on a worker, then `Committed` decides what
// follows. The stream deletes itself once gRPC is done with it and no worker holds it.
//
// At most one read and one write are outstanding, and never while a message is being committed:
// messages are taken one at a time, which is the back-pressure a fast client meets. The idle
// clock runs only while the stream waits for its client (a read, or a write the client does not
// take), not while a message waits for a worker.
template <typename Reactor>
class EventStreamBase : public Reactor, public IdleStreamWatch::Stream {
 public:
  EventStreamBase(const EventStreamDeps& deps, grpc::CallbackServerContext* context, Caller caller)
      : deps_(deps), context_(context), csv_(deps, std::move(caller)) {}

  void OnReadDone(bool ok) override {
    deps_.idle->Unwatch(this);
    // The client closed its side (or the call is gone, and whatever follows is not sent).
    if (!ok) return EndOfInput();
    ++messages_read_;
    v1::ImportEventsRequest message;
    grpc::Status parsed =
        grpc::SerializationTraits<v1::ImportEventsRequest>::Deserialize(&in_, &message);
    if (!parsed.ok()) {
      return FinishOnce(ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat("message ", messages_read_,
                       " of the stream is not an ImportEventsRequest (it does not parse)"))));
    }
    Hold();
    deps_.workers->Post([this, message = std::move(message)]() mutable {
      CommitMessage(message);
      Release();
    });
  }

  void OnDone() override {
    deps_.idle->Unwatch(this);
    Release();
  }

  void OnIdle() override {
    bool writing;
    {
      absl::MutexLock lock(&mu_);
      writing = writing_;
    }
    if (writing) {
      // A write the client does not take cannot be finished over; cancelling ends it.
      context_->TryCancel();
      return;
    }
    FinishOnce(ToGrpcStatus(absl::DeadlineExceededError(
        absl::StrCat("the stream was idle for ", absl::ToDoubleSeconds(deps_.idle->timeout()),
                     " s (stream_idle_timeout_ms): send messages more often, or close the "
                     "stream when done"))));
  }

 protected:
  // On a worker, after `message`'s rows were committed with the result `committed`.
  virtual void Committed(const v1::ImportEventsRequest& message, ImportSummary committed) = 0;
  // The client will send no more.
  virtual void EndOfInput() = 0;

  void ReadNext() {
    if (finished()) return;
    deps_.idle->Watch(this);
    this->StartRead(&in_);
  }

  // Starts writing `out_`; false when the call was already finished.
  bool WriteOut() {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return false;
      writing_ = true;
    }
    deps_.idle->Watch(this);
    this->StartWrite(&out_);
    return true;
  }

  void WriteDone() {
    deps_.idle->Unwatch(this);
    absl::MutexLock lock(&mu_);
    writing_ = false;
  }

  // Ends the call with `status`, once: later calls do nothing.
  void FinishOnce(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    this->Finish(std::move(status));
  }

  bool finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

  grpc::ByteBuffer out_;

 private:
  void CommitMessage(v1::ImportEventsRequest& message) {
    if (finished()) return;
    absl::StatusOr<ImportSummary> committed = csv_.Commit(message);
    if (!committed.ok()) return FinishOnce(ToGrpcStatus(committed.status()));
    Committed(message, *std::move(committed));
  }

  void Hold() {
    absl::MutexLock lock(&mu_);
    ++holds_;
  }

  void Release() {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      last = --holds_ == 0;
    }
    if (last) delete this;
  }

  const EventStreamDeps deps_;
  grpc::CallbackServerContext* const context_;
  StreamedCsv csv_;
  grpc::ByteBuffer in_;
  int64_t messages_read_ = 0;
  absl::Mutex mu_;
  // gRPC's own hold, released in OnDone, and one per message on a worker.
  int holds_ ABSL_GUARDED_BY(mu_) = 1;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
};

class EventImport final : public EventStreamBase<grpc::ServerReadReactor<grpc::ByteBuffer>> {
 public:
  EventImport(const EventStreamDeps& deps, grpc::CallbackServerContext* context,
              grpc::ByteBuffer* response, Caller caller)
      : EventStreamBase(deps, context, std::move(caller)), response_(response) {
    ReadNext();
  }

 private:
  void Committed(const v1::ImportEventsRequest&, ImportSummary committed) override {
    total_.Add(committed);
    if (total_.errors.size() > kMaxReportedErrors) total_.errors.resize(kMaxReportedErrors);
    ReadNext();
  }

  void EndOfInput() override {
    if (finished()) return;
    v1::ImportEventsResponse summary;
    summary.set_imported(total_.imported);
    summary.set_replaced(total_.replaced);
    summary.set_duplicates(total_.duplicates);
    summary.set_rejected(total_.rejected);
    AddErrors(total_.errors, summary.mutable_errors());
    bool own_buffer = false;
    grpc::Status serialized = grpc::SerializationTraits<v1::ImportEventsResponse>::Serialize(
        summary, response_, &own_buffer);
    FinishOnce(serialized);
  }

  grpc::ByteBuffer* const response_;
  // Touched by one thread at a time: messages are committed one after another.
  ImportSummary total_;
};

class EventStream final
    : public EventStreamBase<grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>> {
 public:
  EventStream(const EventStreamDeps& deps, grpc::CallbackServerContext* context, Caller caller)
      : EventStreamBase(deps, context, std::move(caller)) {
    ReadNext();
  }

  void OnWriteDone(bool ok) override {
    WriteDone();
    if (!ok) {
      return FinishOnce(
          ToGrpcStatus(absl::CancelledError("the client stopped taking acknowledgements")));
    }
    ReadNext();
  }

 private:
  void Committed(const v1::ImportEventsRequest& message, ImportSummary committed) override {
    v1::ImportEventsProgress progress;
    progress.set_chunk_seq(message.chunk_seq());
    progress.set_imported(committed.imported);
    progress.set_replaced(committed.replaced);
    progress.set_duplicates(committed.duplicates);
    progress.set_rejected(committed.rejected);
    AddErrors(committed.errors, progress.mutable_errors());
    // The previous acknowledgement's write is done: a message is read only after it.
    out_.Clear();
    bool own_buffer = false;
    grpc::Status serialized = grpc::SerializationTraits<v1::ImportEventsProgress>::Serialize(
        progress, &out_, &own_buffer);
    if (!serialized.ok()) return FinishOnce(serialized);
    WriteOut();
  }

  void EndOfInput() override { FinishOnce(grpc::Status::OK); }
};

// A stream the gate turned away: it ends at once with the refusal.
template <typename Reactor>
class Refused final : public Reactor {
 public:
  explicit Refused(const absl::Status& refusal) { this->Finish(ToGrpcStatus(refusal)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* StartEventImport(const EventStreamDeps& deps,
                                                            grpc::CallbackServerContext* context,
                                                            grpc::ByteBuffer* response) {
  auto caller = deps.gate->Admit(*context, "plaudit.v1.MetricService/ImportEvents");
  if (!caller.ok()) return new Refused<grpc::ServerReadReactor<grpc::ByteBuffer>>(caller.status());
  deps.gate->NoteResource(*context, "events (streamed import)");
  return new EventImport(deps, context, response, *std::move(caller));
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StartEventStream(
    const EventStreamDeps& deps, grpc::CallbackServerContext* context) {
  auto caller = deps.gate->Admit(*context, "plaudit.v1.MetricService/StreamEvents");
  if (!caller.ok()) {
    return new Refused<grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>>(
        caller.status());
  }
  deps.gate->NoteResource(*context, "events (stream)");
  return new EventStream(deps, context, *std::move(caller));
}

}  // namespace plaudit::api
