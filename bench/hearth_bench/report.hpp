#pragma once
// hearth-bench's output: one JSON object (--json) or a one-line human summary, both carrying the error count
// (and with --json the error kinds and the first messages): errors are shown, never hidden.
// Thread safety: stateless.
#include <string>

#include <boost/json/object.hpp>

#include "hearth_bench/options.hpp"
#include "hearth_bench/stats.hpp"

namespace hearth::bench {

// Adds scenario, errors, error_kinds and error_samples to a scenario's measurements.
boost::json::object finish_report(const Options& options, boost::json::object measurements, const Errors& errors);
std::string summary_line(const boost::json::object& report);
// Compact JSON with doubles rounded to 4 decimals and written plainly (Boost.JSON would write 6.72E1).
std::string to_json_text(const boost::json::value& v);

}  // namespace hearth::bench
