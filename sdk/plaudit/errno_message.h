// The text of an errno value ("No such file or directory"), for error messages that name a failed
// system call. One definition for plugins, tools and the server alike: it lives in the SDK, the
// bottom of the dependency graph, and needs nothing but the standard library.
//
// Thread-safe, unlike std::strerror, which may return a buffer shared between threads.
#ifndef PLAUDIT_SDK_ERRNO_MESSAGE_H_
#define PLAUDIT_SDK_ERRNO_MESSAGE_H_

#include <string>
#include <system_error>

namespace plaudit {

inline std::string ErrnoMessage(int err) { return std::generic_category().message(err); }

}  // namespace plaudit

#endif  // PLAUDIT_SDK_ERRNO_MESSAGE_H_
