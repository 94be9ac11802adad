package aeserve

// Version is the aeserve release this client belongs to: the Maven project version (pom.xml).
// clients/consumer/versions.py checks that the two agree.
const Version = "0.1.0-SNAPSHOT"
