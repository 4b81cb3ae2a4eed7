#pragma once
// The wrapper every host import runs its body in. C++ exceptions never cross into guest code:
// they become traps, raised only after the body's objects are destroyed, and a deadline that
// expired during the call takes effect on the way out.
#include <exception>
#include <type_traits>

#include "engine/trap.h"
#include "host/host_context.h"

namespace wasmlet::host {

template <class R, class F>
R host_call(void* ctx, F&& body) {
  std::conditional_t<std::is_void_v<R>, char, R> result{};
  if (engine::enter_host()) {
    try {
      if constexpr (std::is_void_v<R>) {
        body(*static_cast<HostContext*>(ctx));
      } else {
        result = body(*static_cast<HostContext*>(ctx));
      }
    } catch (const GuestExit& e) {
      engine::record_host_trap(engine::TrapKind::Exit, {}, e.code);
    } catch (const GuestFault& e) {
      engine::record_host_trap(engine::TrapKind::OutOfBounds, e.what());
    } catch (const std::exception& e) {
      engine::record_host_trap(engine::TrapKind::HostError, e.what());
    }
  }
  if (engine::leave_host()) engine::raise_recorded_trap();
  if constexpr (!std::is_void_v<R>) {
    return result;
  } else {
    (void)result;
  }
}

}  // namespace wasmlet::host
