// Conversions between the store's Unix microseconds and google.protobuf.Timestamp.
#ifndef PLAUDIT_CORE_API_TIMESTAMPS_H_
#define PLAUDIT_CORE_API_TIMESTAMPS_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>

namespace plaudit::api {

inline google::protobuf::Timestamp ToTimestamp(int64_t unix_micros) {
  google::protobuf::Timestamp t;
  int64_t seconds = unix_micros / 1000000;
  int64_t micros = unix_micros % 1000000;
  if (micros < 0) {  // Timestamp nanos are never negative.
    seconds -= 1;
    micros += 1000000;
  }
  t.set_seconds(seconds);
  t.set_nanos(static_cast<int32_t>(micros * 1000));
  return t;
}

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_TIMESTAMPS_H_
