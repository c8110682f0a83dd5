// Separate compilation of Asio and Beast (BOOST_*_SEPARATE_COMPILATION is defined project
// wide): their non-template code is compiled once, here, instead of in every TU.
#include <utility>

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
