#pragma once
// SHA-256 (FIPS 180-4), used to fingerprint inputs in every file flemsim writes.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace flemsim::core {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::array<std::uint8_t, 32> digest();
    std::string hex_digest();

private:
    void block(const std::uint8_t* p);
    std::array<std::uint32_t, 8> m_h;
    std::array<std::uint8_t, 64> m_buf{};
    std::size_t m_buf_len = 0;
    std::uint64_t m_total = 0;
};

std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::filesystem::path& path);  // throws IoError

}  // namespace flemsim::core
