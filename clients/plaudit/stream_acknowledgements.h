// What the server has acknowledged of a MetricService.StreamEvents import. An acknowledged message
// is committed and survives a crash, so after a broken stream the user can be told which rows are
// stored. Thread-safe: one thread records what it sends, another what the server acknowledges.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_STREAM_ACKNOWLEDGEMENTS_H_
#define PLAUDIT_CLIENTS_PLAUDIT_STREAM_ACKNOWLEDGEMENTS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "plaudit/v1/common.pb.h"
#include "plaudit/v1/metrics.pb.h"

namespace plaudit::cli {

class StreamAcknowledgements {
 public:
  // How far into the file a message reaches.
  struct Position {
    int64_t seq = 0;
    // Data rows from the start of the file up to and including the message's.
    int64_t rows = 0;
    // The line its last row starts on; 1 (the header) when it has none.
    int64_t line = 1;
  };

  // Records that message `seq` is being sent, reaching `rows` rows and `line`.
  void Sent(int64_t seq, int64_t rows, int64_t line);
  // Records an acknowledgement: its message, and every one sent before it, is committed.
  void Received(const v1::ImportEventsProgress& ack);

  // The furthest message acknowledged; seq 0 and no rows before any.
  Position committed() const;
  int64_t imported() const;
  int64_t replaced() const;
  int64_t duplicates() const;
  int64_t rejected() const;
  // The rejected rows acknowledged so far, at most the first 10,000 (rejected() counts them all).
  std::vector<v1::RowError> errors() const;

 private:
  mutable std::mutex mu_;
  std::deque<Position> in_flight_;
  Position committed_;
  int64_t imported_ = 0;
  int64_t replaced_ = 0;
  int64_t duplicates_ = 0;
  int64_t rejected_ = 0;
  std::vector<v1::RowError> errors_;
};

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_STREAM_ACKNOWLEDGEMENTS_H_
