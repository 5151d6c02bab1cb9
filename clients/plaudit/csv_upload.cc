#include "clients/plaudit/csv_upload.h"

namespace plaudit::cli {

bool CsvUpload::ReadHeader(google::protobuf::RepeatedPtrField<std::string>* header) {
  if (!reader_.Next(&record_)) {
    error_ = in_.bad() ? "I/O error" : "the file is empty (expected a header line)";
    return false;
  }
  if (!record_.error.empty()) {
    error_ = "line " + std::to_string(record_.line) + ": " + record_.error;
    return false;
  }
  header->Clear();
  for (std::string& field : record_.fields) header->Add(std::move(field));
  return true;
}

int64_t CsvUpload::ReadRows(int64_t max_rows,
                            google::protobuf::RepeatedPtrField<v1::CsvRow>* rows) {
  int64_t appended = 0;
  while (appended < max_rows) {
    if (!reader_.Next(&record_)) {
      if (in_.bad()) error_ = "I/O error";
      break;
    }
    if (!record_.error.empty()) {
      v1::RowError& local = local_errors_.emplace_back();
      local.set_line(record_.line);
      local.set_reason(record_.error);
      continue;
    }
    v1::CsvRow* row = rows->Add();
    row->set_line(record_.line);
    for (std::string& field : record_.fields) row->add_fields(std::move(field));
    ++appended;
  }
  return appended;
}

bool EventImportChunker::Next(v1::ImportEventsRequest* message) {
  message->Clear();
  if (done_) return false;
  if (!header_sent_) {
    header_sent_ = true;
    if (!upload_.ReadHeader(message->mutable_header())) {
      done_ = true;
      return false;
    }
    return true;
  }
  int64_t appended = upload_.ReadRows(rows_per_message_, message->mutable_rows());
  rows_read_ += appended;
  if (appended < rows_per_message_) done_ = true;
  if (!upload_.error().empty()) return false;
  return appended > 0;
}

}  // namespace plaudit::cli
