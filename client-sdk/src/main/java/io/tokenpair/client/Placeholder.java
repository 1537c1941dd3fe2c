package io.tokenpair.client;

final class Placeholder {}
