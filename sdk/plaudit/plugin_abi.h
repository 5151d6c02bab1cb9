// The C boundary between plauditd and its plugins. Only plain C types cross it: requests and
// responses are serialized plaudit.plugin.v1 messages. A plugin exports two symbols with
// BOOST_DLL_ALIAS:
//
//   plaudit_plugin_abi_version  uint32_t (*)(void)                 checked before anything else
//   plaudit_plugin_v1           const PlauditPluginV1* (*)(void)   the plugin's function table
//
// Buffers are owned by the side that filled them and returned through that side's release().
#ifndef PLAUDIT_SDK_PLUGIN_ABI_H_
#define PLAUDIT_SDK_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#define PLAUDIT_PLUGIN_ABI_VERSION 1u

#define PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL "plaudit_plugin_abi_version"
#define PLAUDIT_PLUGIN_ENTRY_SYMBOL "plaudit_plugin_v1"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct PlauditBuffer {
  uint8_t* data;
  size_t size;
} PlauditBuffer;

// Calls return 0 on success with a serialized response in *response, or non-zero with a UTF-8
// error message in *response.
typedef int (*PlauditCallFn)(void* context, const char* method, const uint8_t* request,
                             size_t request_size, PlauditBuffer* response);
typedef void (*PlauditReleaseFn)(PlauditBuffer* buffer);

// Services the host offers a plugin. Methods: "state.get", "state.commit", "clock.now", "log",
// "ingest.csv". Valid from create() until destroy() returns; callable from any thread.
typedef struct PlauditHostV1 {
  void* context;
  PlauditCallFn call;
  PlauditReleaseFn release;
} PlauditHostV1;

// A plugin's function table. Methods of call(): "init", "fulfil", "lookup", "query", "callback",
// "poll". A plugin answers an unknown method with an error.
typedef struct PlauditPluginV1 {
  void* (*create)(const PlauditHostV1* host);
  PlauditCallFn call;
  PlauditReleaseFn release;
  void (*destroy)(void* instance);
} PlauditPluginV1;

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // PLAUDIT_SDK_PLUGIN_ABI_H_
