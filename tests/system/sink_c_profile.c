/* The config's profile from C: writes the text records (sink_text_record.h) with the profile given (0 = compatible,
 * 1 = compact), and checks that an unknown profile is refused by pqflow_create with PQFLOW_ERR_INVALID and a message
 * naming it. Usage: sink_c_profile FILE PROFILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_flow.h"
#include "sink_text_record.h"

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    pqflow_sink_t sink = NULL;
    pqflow_config config = {0};
    config.file_path = argv[1];
    config.profile = (pqflow_profile)7;
    if (pqflow_create(&sink, &config) != PQFLOW_ERR_INVALID) { fprintf(stderr, "profile 7 was accepted\n"); return 1; }
    const char* why = pqflow_last_error(NULL);
    if (why == NULL || strstr(why, "profile") == NULL) { fprintf(stderr, "profile 7: no message naming the profile\n"); return 1; }

    config.profile = (pqflow_profile)atoi(argv[2]);
    if (pqflow_create(&sink, &config) != PQFLOW_OK || pqflow_set_schema(sink, text_columns, TEXT_COLUMNS) != PQFLOW_OK) {
        fprintf(stderr, "setup: %s\n", pqflow_last_error(sink));
        return 1;
    }
    unsigned char record[TEXT_RECORD_MAX];
    for (int64_t i = 0; i < 100000; i++) {
        uint32_t length = make_text_record(record, i);
        while (pqflow_log(sink, record, length) == PQFLOW_ERR_FULL) {}
    }
    if (pqflow_flush(sink) != PQFLOW_OK) { fprintf(stderr, "flush: %s\n", pqflow_last_error(sink)); return 1; }
    pqflow_destroy(sink);
    return 0;
}
