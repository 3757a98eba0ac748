// The HTTP listener (cpprestsdk; the only file that includes it): adapts each request to
// Handler::Handle on a worker thread and writes the answer back.
#pragma once

#include <memory>
#include <string>

#include "http/handler.h"
#include "vecton/result.h"

namespace vecton::api {

class Server {
 public:
  // Listens on http://host:port/ (every path; routing is the Handler's). `threads` sizes
  // cpprestsdk's shared thread pool and must be set before anything else uses it.
  Server(std::string host, int port, int threads, Handler& handler);
  ~Server();
  Status Start();
  // Stops accepting and waits for requests in flight.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vecton::api
