package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StoreSpecTest {
  @Test
  void parsesTheThreeForms() {
    assertThat(StoreSpec.parse("memory")).isSameAs(StoreSpec.MEMORY);
    var sqlite = StoreSpec.parse("sqlite:/var/lib/tokenpair/sessions.db");
    assertThat(sqlite.kind()).isEqualTo(StoreSpec.Kind.SQLITE);
    assertThat(sqlite.jdbcUrl()).isEqualTo("jdbc:sqlite:/var/lib/tokenpair/sessions.db");
    var pg = StoreSpec.parse("jdbc:postgresql://db:5432/tp?user=tp&password=pw");
    assertThat(pg.kind()).isEqualTo(StoreSpec.Kind.POSTGRESQL);
    assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/tp?user=tp&password=pw");
  }

  @Test
  void toStringIsTheFlagValueWithThePasswordMasked() {
    assertThat(StoreSpec.MEMORY).hasToString("memory");
    assertThat(StoreSpec.sqlite(Path.of("s.db"))).hasToString("sqlite:s.db");
    assertThat(StoreSpec.postgresql("jdbc:postgresql://db/tp?PASSWORD=a&b=c&password=d"))
        .hasToString("jdbc:postgresql://db/tp?PASSWORD=██&b=c&password=██");
  }

  @Test
  void memoryHasNoJdbcUrlAndOtherKindsNeedALocation() {
    assertThatThrownBy(StoreSpec.MEMORY::jdbcUrl).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new StoreSpec(StoreSpec.Kind.SQLITE, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A SQLITE store needs a location.");
    assertThatThrownBy(() -> StoreSpec.postgresql("jdbc:mysql://db/x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
