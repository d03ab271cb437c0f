#pragma once

namespace ephpm {

// Makes PHP's fclose() of php://stdin, php://stdout, php://stderr leave the
// process's descriptors 0, 1 and 2 open. Call once, right after PHP started.
void keep_standard_descriptors();

}  // namespace ephpm
