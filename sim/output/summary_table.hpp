#pragma once
// A small table as HDF5 (a compound dataset /summary of text and number columns), for sweep
// summaries that pandas reads with pd.DataFrame(h5py.File(p)["summary"][()]).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flemsim::output {

struct SummaryTable {
    std::vector<std::string> text_names;
    std::vector<std::vector<std::string>> text;  // per text column, one value per row
    std::vector<std::string> number_names;
    std::vector<std::vector<double>> numbers;  // per number column, one value per row
    std::vector<std::string> integer_names;    // seeds, counts, flags: unsigned 64-bit integers
    std::vector<std::vector<std::uint64_t>> integers;
    std::size_t rows() const {
        if (!text.empty()) return text[0].size();
        if (!numbers.empty()) return numbers[0].size();
        return integers.empty() ? 0 : integers[0].size();
    }
};

// Written under a temporary name and renamed; throws core::IoError.
void write_summary_table(const std::filesystem::path& path, const SummaryTable& table);

}  // namespace flemsim::output
