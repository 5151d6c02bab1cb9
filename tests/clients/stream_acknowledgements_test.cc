#include "clients/plaudit/stream_acknowledgements.h"

#include <gtest/gtest.h>

namespace plaudit::cli {
namespace {

v1::ImportEventsProgress Ack(int64_t seq, int64_t imported, int64_t duplicates, int64_t rejected) {
  v1::ImportEventsProgress ack;
  ack.set_chunk_seq(seq);
  ack.set_imported(imported);
  ack.set_duplicates(duplicates);
  ack.set_rejected(rejected);
  for (int64_t i = 0; i < rejected; ++i) ack.add_errors()->set_line(seq * 100 + i);
  return ack;
}

TEST(StreamAcknowledgements, NothingIsCommittedBeforeTheFirstAcknowledgement) {
  StreamAcknowledgements acks;
  acks.Sent(1, 0, 1);
  acks.Sent(2, 2000, 2001);
  EXPECT_EQ(acks.committed().seq, 0);
  EXPECT_EQ(acks.committed().rows, 0);
}

TEST(StreamAcknowledgements, AnAcknowledgementCommitsItsMessageAndAddsItsCounts) {
  StreamAcknowledgements acks;
  acks.Sent(1, 0, 1);
  acks.Sent(2, 2000, 2003);
  acks.Sent(3, 4000, 4010);
  acks.Received(Ack(1, 0, 0, 0));
  acks.Received(Ack(2, 1990, 8, 2));
  EXPECT_EQ(acks.committed().seq, 2);
  EXPECT_EQ(acks.committed().rows, 2000);
  EXPECT_EQ(acks.committed().line, 2003);
  EXPECT_EQ(acks.imported(), 1990);
  EXPECT_EQ(acks.duplicates(), 8);
  EXPECT_EQ(acks.rejected(), 2);
  ASSERT_EQ(acks.errors().size(), 2u);
  EXPECT_EQ(acks.errors()[1].line(), 201);
}

TEST(StreamAcknowledgements, AnAcknowledgementCoversTheMessagesBeforeIt) {
  StreamAcknowledgements acks;
  acks.Sent(1, 0, 1);
  acks.Sent(2, 2000, 2001);
  acks.Sent(3, 4000, 4001);
  acks.Received(Ack(3, 0, 0, 0));
  EXPECT_EQ(acks.committed().seq, 3);
  EXPECT_EQ(acks.committed().rows, 4000);
}

TEST(StreamAcknowledgements, ReplacedRowsAreCountedOnTheirOwn) {
  StreamAcknowledgements acks;
  acks.Sent(1, 0, 1);
  acks.Sent(2, 10, 11);
  acks.Sent(3, 20, 21);
  v1::ImportEventsProgress second = Ack(2, 6, 1, 0);
  second.set_replaced(3);
  v1::ImportEventsProgress third = Ack(3, 8, 0, 0);
  third.set_replaced(2);
  acks.Received(Ack(1, 0, 0, 0));
  acks.Received(second);
  acks.Received(third);
  EXPECT_EQ(acks.replaced(), 5);
  EXPECT_EQ(acks.imported(), 14);
  EXPECT_EQ(acks.duplicates(), 1);
}

}  // namespace
}  // namespace plaudit::cli
