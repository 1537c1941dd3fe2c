package io.tokenpair.client;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class that uses an API newer than the Android API level the SDK declares, so that the
 * animal-sniffer check skips it (client-sdk/pom.xml names this annotation). Only code that has
 * checked that the API exists may call into such a class.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface NewerApi {}
