// The one conversion from the framework-neutral http::Response to a Beast message, used by the
// HTTP server and by the session proxy's answers on connections it takes over.
#pragma once

#include <boost/beast/http.hpp>

#include "http/response.hpp"
#include "net/asio.hpp"

namespace sp::net {

using BeastResponse = beast::http::response<beast::http::string_body>;

// `head`: answer a HEAD request, keeping the Content-Length of the body it leaves out.
BeastResponse ToBeastResponse(http::Response&& response, unsigned version, bool keep_alive,
                              bool head = false);

// Writes a last response (within 10 s) and shuts the connection, ignoring write errors: the
// peer that went away needs no answer.
asio::awaitable<void> RespondAndClose(beast::tcp_stream& stream, BeastResponse& response);

}  // namespace sp::net
