#include "clients/plaudit/csv_upload.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace plaudit::cli {
namespace {

std::string EventsCsv(int rows) {
  std::string csv = "event_id,agent_id,metric,value,occurred_at\n";
  for (int i = 0; i < rows; ++i) {
    csv += "e" + std::to_string(i) + ",a-1,calls_handled,1,2026-10-01T09:00:00Z\n";
  }
  return csv;
}

std::vector<v1::ImportEventsRequest> AllMessages(EventImportChunker& chunker) {
  std::vector<v1::ImportEventsRequest> messages;
  v1::ImportEventsRequest message;
  while (chunker.Next(&message)) messages.push_back(message);
  return messages;
}

TEST(EventImportChunker, SplitsTenThousandRowsIntoChunksOfTwoThousand) {
  std::istringstream in(EventsCsv(10000));
  EventImportChunker chunker(in);
  std::vector<v1::ImportEventsRequest> messages = AllMessages(chunker);

  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(messages[0].header_size(), 5);
  EXPECT_EQ(messages[0].header(0), "event_id");
  EXPECT_EQ(messages[0].rows_size(), 0);
  int64_t expected_line = 2;
  for (size_t m = 1; m < messages.size(); ++m) {
    EXPECT_EQ(messages[m].header_size(), 0) << "message " << m;
    ASSERT_EQ(messages[m].rows_size(), 2000) << "message " << m;
    for (const v1::CsvRow& row : messages[m].rows()) {
      ASSERT_EQ(row.line(), expected_line);
      ASSERT_EQ(row.fields(0), "e" + std::to_string(expected_line - 2));
      ASSERT_EQ(row.fields_size(), 5);
      ++expected_line;
    }
  }
  EXPECT_EQ(expected_line, 10002);
  EXPECT_EQ(chunker.rows_read(), 10000);
  EXPECT_TRUE(chunker.error().empty());
  EXPECT_TRUE(chunker.local_errors().empty());
}

TEST(EventImportChunker, LastChunkHoldsTheRemainder) {
  std::istringstream in(EventsCsv(4500));
  EventImportChunker chunker(in);
  std::vector<v1::ImportEventsRequest> messages = AllMessages(chunker);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[1].rows_size(), 2000);
  EXPECT_EQ(messages[2].rows_size(), 2000);
  EXPECT_EQ(messages[3].rows_size(), 500);
  EXPECT_EQ(messages[3].rows(499).line(), 4501);
}

TEST(EventImportChunker, HeaderOnlyFileSendsJustTheHeader) {
  std::istringstream in("event_id,agent_id,metric,value,occurred_at\n");
  EventImportChunker chunker(in);
  std::vector<v1::ImportEventsRequest> messages = AllMessages(chunker);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].header_size(), 5);
  EXPECT_TRUE(chunker.error().empty());
}

TEST(EventImportChunker, EmptyFileIsAnError) {
  std::istringstream in("");
  EventImportChunker chunker(in);
  EXPECT_TRUE(AllMessages(chunker).empty());
  EXPECT_EQ(chunker.error(), "the file is empty (expected a header line)");
}

TEST(EventImportChunker, LineNumbersFollowTheFileAcrossBlankLines) {
  std::istringstream in(
      "id,note\r\n"
      "1,\"quoted, with a comma\"\r\n"
      "\n"
      "2,plain\r\n");
  EventImportChunker chunker(in, CsvEncoding::kUtf8, 10);
  std::vector<v1::ImportEventsRequest> messages = AllMessages(chunker);
  ASSERT_EQ(messages.size(), 2u);
  ASSERT_EQ(messages[1].rows_size(), 2);
  EXPECT_EQ(messages[1].rows(0).line(), 2);
  EXPECT_EQ(messages[1].rows(0).fields(1), "quoted, with a comma");
  EXPECT_EQ(messages[1].rows(1).line(), 4);
}

TEST(EventImportChunker, UnterminatedQuoteIsRejectedLocallyAndTheNextRowStillGoes) {
  std::istringstream in(
      "id,note\n"
      "1,fine\n"
      "2,\"never closed\n"
      "3,kept\n");
  EventImportChunker chunker(in);
  std::vector<v1::ImportEventsRequest> messages = AllMessages(chunker);
  ASSERT_EQ(messages.size(), 2u);
  ASSERT_EQ(messages[1].rows_size(), 2);
  EXPECT_EQ(messages[1].rows(0).line(), 2);
  EXPECT_EQ(messages[1].rows(1).line(), 4);
  EXPECT_EQ(messages[1].rows(1).fields(1), "kept");
  ASSERT_EQ(chunker.local_errors().size(), 1u);
  EXPECT_EQ(chunker.local_errors()[0].line(), 3);
  EXPECT_EQ(chunker.local_errors()[0].reason(),
            "unterminated quoted field (the quote at column 3 is not closed on this line; a field "
            "cannot span lines)");
  EXPECT_TRUE(chunker.error().empty());
}

TEST(EventImportChunker, RowsNotValidInTheEncodingStayLocalAndTheRestIsSent) {
  // One Latin-1 byte among valid rows: only its row is held back, and nothing invalid is sent.
  std::istringstream in(
      "event_id,agent_id,metric,value,occurred_at\n"
      "e1,a1,csat,5,2026-10-01T10:00:00Z\n"
      "e2,a\xE9,csat,5,2026-10-01T10:00:00Z\n"
      "e3,a1,csat,4,2026-10-01T10:00:00Z\n");
  EventImportChunker chunker(in);
  std::vector<v1::ImportEventsRequest> messages = AllMessages(chunker);
  ASSERT_EQ(messages.size(), 2u);
  ASSERT_EQ(messages[1].rows_size(), 2);
  EXPECT_EQ(messages[1].rows(1).fields(0), "e3");
  ASSERT_EQ(chunker.local_errors().size(), 1u);
  EXPECT_EQ(chunker.local_errors()[0].line(), 3);
  EXPECT_EQ(chunker.local_errors()[0].reason(),
            "not valid UTF-8 (byte 0xE9 at column 5; if the file is Latin-1 or Windows-1252, give "
            "--encoding)");
}

TEST(CsvUpload, Latin1IsDecodedBeforeItIsSent) {
  std::istringstream in("id,display_name\na1,Jos\xE9\n");
  CsvUpload upload(in, CsvEncoding::kLatin1);
  google::protobuf::RepeatedPtrField<std::string> header;
  google::protobuf::RepeatedPtrField<v1::CsvRow> rows;
  ASSERT_TRUE(upload.ReadHeader(&header));
  EXPECT_EQ(upload.ReadRows(10, &rows), 1);
  EXPECT_EQ(rows[0].fields(1), "Jos\xC3\xA9");
  EXPECT_TRUE(upload.local_errors().empty());
}

TEST(EventImportChunker, LongRowsCloseAMessageEarlySoItStaysUnderTheServersLimit) {
  std::string csv = "event_id,agent_id,metric,value,occurred_at\n";
  // 30 rows of about 100 KB each: 3 MB in all, in messages of about 1 MiB.
  for (int i = 0; i < 30; ++i) {
    csv +=
        "e" + std::to_string(i) + "," + std::string(100000, 'a') + ",csat,5,2026-10-01T09:00:00Z\n";
  }
  std::istringstream in(csv);
  EventImportChunker chunker(in);
  std::vector<v1::ImportEventsRequest> messages = AllMessages(chunker);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[1].rows_size(), 11);
  EXPECT_EQ(messages[2].rows_size(), 11);
  EXPECT_EQ(messages[3].rows_size(), 8);
  for (const auto& message : messages) EXPECT_LT(message.ByteSizeLong(), 1200000u);
  EXPECT_EQ(chunker.rows_read(), 30);
  EXPECT_EQ(chunker.last_line(), 31);
}

std::string AgentsCsv(int rows) {
  std::string csv = "id,display_name,email,team,channel,hire_date,status\n";
  for (int i = 0; i < rows; ++i) {
    csv += "a" + std::to_string(i) + ",Agent,a@example.com,Chat,chat,2024-03-01,active\n";
  }
  return csv;
}

std::vector<v1::ImportAgentsRequest> AllRequests(AgentImportChunker& chunker) {
  std::vector<v1::ImportAgentsRequest> requests;
  v1::ImportAgentsRequest request;
  while (chunker.Next(&request)) requests.push_back(request);
  return requests;
}

TEST(AgentImportChunker, SendsALargeFileInRequestsThatEachCarryTheHeader) {
  std::istringstream in(AgentsCsv(4500));
  AgentImportChunker chunker(in);
  ASSERT_TRUE(chunker.ReadHeader());
  std::vector<v1::ImportAgentsRequest> requests = AllRequests(chunker);
  ASSERT_EQ(requests.size(), 3u);
  int64_t expected_line = 2;
  for (const v1::ImportAgentsRequest& request : requests) {
    ASSERT_EQ(request.header_size(), 7);
    EXPECT_EQ(request.header(0), "id");
    for (const v1::CsvRow& row : request.rows()) ASSERT_EQ(row.line(), expected_line++);
  }
  EXPECT_EQ(requests[0].rows_size(), 2000);
  EXPECT_EQ(requests[1].rows_size(), 2000);
  EXPECT_EQ(requests[2].rows_size(), 500);
  EXPECT_EQ(chunker.rows_read(), 4500);
  EXPECT_EQ(chunker.last_line(), 4501);
  EXPECT_TRUE(chunker.error().empty());
}

TEST(AgentImportChunker, HeaderOnlyFileSendsOneRequestSoTheServerChecksTheHeader) {
  std::istringstream in("id,display_name\n");
  AgentImportChunker chunker(in);
  ASSERT_TRUE(chunker.ReadHeader());
  std::vector<v1::ImportAgentsRequest> requests = AllRequests(chunker);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header_size(), 2);
  EXPECT_EQ(requests[0].rows_size(), 0);
}

TEST(AgentImportChunker, EmptyFileIsAnError) {
  std::istringstream in("");
  AgentImportChunker chunker(in);
  EXPECT_FALSE(chunker.ReadHeader());
  EXPECT_EQ(chunker.error(), "the file is empty (expected a header line)");
}

TEST(CsvUpload, MalformedHeaderIsAnError) {
  std::istringstream in("\"id,name\n");
  CsvUpload upload(in);
  google::protobuf::RepeatedPtrField<std::string> header;
  EXPECT_FALSE(upload.ReadHeader(&header));
  EXPECT_EQ(upload.error(),
            "line 1: unterminated quoted field (the quote at column 1 is not closed on this line; "
            "a field cannot span lines)");
}

TEST(CsvUpload, ReadsEveryRowWhenAskedFor) {
  std::istringstream in("id,team\na-1,red\na-2,blue\n");
  CsvUpload upload(in);
  google::protobuf::RepeatedPtrField<std::string> header;
  google::protobuf::RepeatedPtrField<v1::CsvRow> rows;
  ASSERT_TRUE(upload.ReadHeader(&header));
  EXPECT_EQ(upload.ReadRows(1000, &rows), 2);
  ASSERT_EQ(rows.size(), 2);
  EXPECT_EQ(rows[1].line(), 3);
  EXPECT_EQ(rows[1].fields(1), "blue");
}

}  // namespace
}  // namespace plaudit::cli
