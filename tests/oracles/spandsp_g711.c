/* Oracle for the G.711 conformance test: SpanDSP's G.711 on every input.
 * Usage: spandsp_g711 ulaw|alaw encode|decode
 *   encode: writes the code of every 16-bit input from -32768 to 32767 (65536 bytes)
 *   decode: writes the 16-bit little-endian value of every code 0..255 (512 bytes) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <spandsp.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int ulaw = strcmp(argv[1], "ulaw") == 0;
    if (strcmp(argv[2], "encode") == 0) {
        for (int x = -32768; x <= 32767; x++) {
            uint8_t code = ulaw ? linear_to_ulaw(x) : linear_to_alaw(x);
            fputc(code, stdout);
        }
    } else {
        for (int code = 0; code < 256; code++) {
            int16_t v = ulaw ? ulaw_to_linear((uint8_t) code) : alaw_to_linear((uint8_t) code);
            fputc(v & 0xFF, stdout);
            fputc((v >> 8) & 0xFF, stdout);
        }
    }
    return 0;
}
