#pragma once
// A log sink that writes to stdout through a large stdio buffer and flushes only when it is
// full or asked to (spdlog's flush_on / flush_every): one write(2) per many lines, where
// spdlog's own stdout sinks flush, and so make a system call, after every line. The server logs
// one line per request, so this is on the hot path.
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>

namespace wasmlet::cli {

class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BufferedStdoutSink() {
    // Before anything is written to stdout; a failure only leaves stdio's own buffer size.
    std::setvbuf(stdout, nullptr, _IOFBF, size_t{64} << 10);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

}  // namespace wasmlet::cli
