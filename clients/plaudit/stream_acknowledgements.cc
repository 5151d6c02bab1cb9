#include "clients/plaudit/stream_acknowledgements.h"

namespace plaudit::cli {
namespace {

// More than anyone reads; the counts stay exact beyond it.
constexpr size_t kMaxRowErrorsKept = 10000;

}  // namespace

void StreamAcknowledgements::Sent(int64_t seq, int64_t rows, int64_t line) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.push_back(Position{seq, rows, line});
}

void StreamAcknowledgements::Received(const v1::ImportEventsProgress& ack) {
  std::lock_guard<std::mutex> lock(mu_);
  imported_ += ack.imported();
  replaced_ += ack.replaced();
  duplicates_ += ack.duplicates();
  rejected_ += ack.rejected();
  for (const v1::RowError& e : ack.errors()) {
    if (errors_.size() >= kMaxRowErrorsKept) break;
    errors_.push_back(e);
  }
  // The server commits messages in order: an acknowledgement covers every one before it.
  while (!in_flight_.empty() && in_flight_.front().seq <= ack.chunk_seq()) {
    committed_ = in_flight_.front();
    in_flight_.pop_front();
  }
}

StreamAcknowledgements::Position StreamAcknowledgements::committed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_;
}

int64_t StreamAcknowledgements::imported() const {
  std::lock_guard<std::mutex> lock(mu_);
  return imported_;
}

int64_t StreamAcknowledgements::replaced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return replaced_;
}

int64_t StreamAcknowledgements::duplicates() const {
  std::lock_guard<std::mutex> lock(mu_);
  return duplicates_;
}

int64_t StreamAcknowledgements::rejected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rejected_;
}

std::vector<v1::RowError> StreamAcknowledgements::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

}  // namespace plaudit::cli
