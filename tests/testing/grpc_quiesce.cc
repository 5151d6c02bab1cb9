// Linked into test binaries that run gRPC servers or channels: after the last test, gRPC's own
// background threads are shut down and joined, so nothing is still running in the library when
// the process exits (LeakSanitizer's exit-time scan crashes on threads that are still winding
// down).
#include <grpc/grpc.h>

#include "gtest/gtest.h"

namespace plaudit::testing {
namespace {

class GrpcQuiesce : public ::testing::Environment {
 public:
  // Every test's channels and servers are gone by now; this balanced init/shutdown pair is then
  // the library's last user, and the blocking shutdown waits for its clean-up to finish.
  void TearDown() override {
    grpc_init();
    grpc_shutdown_blocking();
  }
};

const ::testing::Environment* const kGrpcQuiesce =
    ::testing::AddGlobalTestEnvironment(new GrpcQuiesce);

}  // namespace
}  // namespace plaudit::testing

// LeakSanitizer's exit-time scan of these binaries still crashes now and then ("Tracer caught
// signal 11" after every test has passed) while gRPC's threads wind down; leak checking is off
// for them alone. AddressSanitizer and UndefinedBehaviorSanitizer stay on, and every other test
// binary keeps leak checking.
extern "C" const char* __lsan_default_options() { return "detect_leaks=0"; }
